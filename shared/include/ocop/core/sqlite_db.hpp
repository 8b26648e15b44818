// A thin RAII layer over the sqlite3 C API: a connection and prepared statements, with every
// failure turned into an ocop::Error. Shared by the core store and the server's account store.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace ocop::sqlite {

class Db;

class Stmt {
  public:
    Stmt() = default;
    Stmt(sqlite3* db, std::string_view sql);
    Stmt(Stmt&& other) noexcept;
    Stmt& operator=(Stmt&& other) noexcept;
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    ~Stmt();

    Stmt& bind(int index, int64_t v);
    Stmt& bind(int index, std::string_view v);
    Stmt& bind_null(int index);
    // Steps once: true if a row is available.
    bool step();
    // Steps until done (for statements without rows).
    void run();
    void reset();

    int64_t int64(int col) const;
    std::string_view text(int col) const;
    bool is_null(int col) const;

  private:
    friend class Db;
    // Finalizes the statement, or gives it back to the connection it came from (Db::reuse).
    void release() noexcept;

    sqlite3_stmt* stmt_ = nullptr;
    sqlite3* db_ = nullptr;
    Db* home_ = nullptr;  // set for a statement of Db::reuse
};

enum class Durability {
    full,    // synchronous=FULL: a committed transaction survives power loss (acknowledged data)
    normal,  // synchronous=NORMAL: survives a process crash; the last commits may roll back on
             // power loss
};

class Db {
  public:
    // `cache_mib`: SQLite's page cache for this connection. The cell table's B-trees are touched
    // at random places; a province-sized server store wants 64 MiB, a phone's commune store far
    // less.
    Db(const std::string& path, Durability durability, int cache_mib = 64);
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    ~Db();

    void exec(std::string_view sql);
    Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
    // As prepare, but the statement is kept by the connection when the Stmt is destroyed and
    // handed out again, reset, for the next call with the same text: parsing a statement costs
    // more than running a small one, and a request's authentication runs the same few. For fixed
    // SQL only (each text is kept until the connection closes), used under the same lock as the
    // connection, and never outliving it.
    Stmt reuse(std::string_view sql);
    sqlite3* handle() const noexcept { return db_; }

  private:
    friend class Stmt;
    void give_back(sqlite3_stmt* stmt) noexcept;

    sqlite3* db_ = nullptr;
    std::map<std::string, std::vector<sqlite3_stmt*>, std::less<>> idle_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed. Taking the write lock up front means
// a check-then-write cannot race with another process writing the same file (ocop-admin beside
// a running server).
class ImmediateTxn {
  public:
    explicit ImmediateTxn(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
    ImmediateTxn(const ImmediateTxn&) = delete;
    ImmediateTxn& operator=(const ImmediateTxn&) = delete;
    ~ImmediateTxn() {
        if (!done_) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {  // nothing more to do; the connection stays usable
            }
        }
    }
    void commit() {
        db_.exec("COMMIT");
        done_ = true;
    }

  private:
    Db& db_;
    bool done_ = false;
};

// A file's layout version (PRAGMA user_version; 0 for a new file). Throws
// Error(schema.version_unsupported) for a file written by a newer build than `supported`. Read it
// inside the write transaction that migrates, so that only one process migrates a file.
int64_t layout_version(Db& db, const std::string& path, int64_t supported);
void set_layout_version(Db& db, int64_t version);

// Runs PRAGMA quick_check on an existing database file (a missing one passes: it will be
// created). Throws Error(store.corrupt) naming the file and saying to restore a backup when
// SQLite finds it damaged or not a database at all. The server calls it on every file before it
// serves anything, so a file damaged by a crash or a failing disk is refused, never served.
void require_intact(const std::string& path);

// Throws the Error matching a SQLite result code: store.busy, store.full, store.io (transient:
// the failed statement left nothing behind), store.corrupt, or store.io (internal) for the rest.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace ocop::sqlite
