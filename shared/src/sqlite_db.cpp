#include "ocop/core/sqlite_db.hpp"

#include <sqlite3.h>

#include <memory>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sqlite {

void throw_sqlite(sqlite3* db, int rc, std::string_view context) {
    const std::string msg =
        std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    switch (rc & 0xFF) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw Error(ErrorKind::transient, errc::store_busy, msg);
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            throw Error(ErrorKind::internal, errc::store_corrupt, msg);
        // Nothing of the failed statement or transaction is kept (SQLite rolls it back), so the
        // caller may retry once space is freed or the device recovers: transient, not a bug.
        case SQLITE_FULL:
            throw Error(
                ErrorKind::transient, errc::store_full,
                "the disk is full, nothing was written (" + msg + "); free space and retry");
        case SQLITE_IOERR:
            throw Error(ErrorKind::transient, errc::store_io,
                        "the disk could not be read or written, nothing was written (" + msg + ")");
        default:
            throw Error(ErrorKind::internal, errc::store_io, msg);
    }
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare");
}

Stmt::Stmt(Stmt&& o) noexcept : stmt_(o.stmt_), db_(o.db_), home_(o.home_) {
    o.stmt_ = nullptr;
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        release();
        stmt_ = o.stmt_;
        db_ = o.db_;
        home_ = o.home_;
        o.stmt_ = nullptr;
    }
    return *this;
}

Stmt::~Stmt() {
    release();
}

void Stmt::release() noexcept {
    if (home_ && stmt_)
        home_->give_back(stmt_);
    else
        sqlite3_finalize(stmt_);
    stmt_ = nullptr;
}

Stmt& Stmt::bind(int index, int64_t v) {
    const int rc = sqlite3_bind_int64(stmt_, index, v);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

Stmt& Stmt::bind(int index, std::string_view v) {
    // SQLITE_TRANSIENT: SQLite copies, so callers may pass temporaries.
    const int rc =
        sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

Stmt& Stmt::bind_null(int index) {
    const int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
    return *this;
}

bool Stmt::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(stmt_);
    throw_sqlite(db_, rc, "step");
}

void Stmt::run() {
    while (step()) {
    }
    reset();
}

void Stmt::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int64(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

std::string_view Stmt::text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

bool Stmt::is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Db::Db(const std::string& path, Durability durability, int cache_mib) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_URI,  // "file:PATH?vfs=NAME" picks a VFS (the fault tests)
                        nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = "open " + path + ": " + sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error(ErrorKind::internal, errc::store_io, msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Another process (ocop-admin beside a running server) may hold the write lock briefly.
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec(durability == Durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    exec("PRAGMA cache_size=-" + std::to_string(cache_mib * 1024));
    exec("PRAGMA wal_autocheckpoint=8192");
    // The server applies each pushed changeset in a savepoint of its group's transaction; with
    // temporary files on disk, SQLite spills every savepoint's journal beyond 64 KiB to a file it
    // creates, writes and deletes per transaction: a tenth of a burst's server CPU went on those
    // writes. In memory it is bounded by what one changeset touches.
    exec("PRAGMA temp_store=MEMORY");
}

Db::~Db() {
    for (auto& [sql, stmts] : idle_)
        for (sqlite3_stmt* st : stmts) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
}

Stmt Db::reuse(std::string_view sql) {
    Stmt out;
    if (auto it = idle_.find(sql); it != idle_.end() && !it->second.empty()) {
        out.stmt_ = it->second.back();
        it->second.pop_back();
        out.db_ = db_;
    } else {
        out = Stmt(db_, sql);
    }
    out.home_ = this;
    return out;
}

void Db::give_back(sqlite3_stmt* stmt) noexcept {
    // Reset now, not when handed out: a read left unfinished would hold its snapshot (and keep
    // the WAL from being checkpointed) until the next call.
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    try {
        idle_[sqlite3_sql(stmt)].push_back(stmt);
    } catch (...) {  // out of memory: not kept, nothing else changes
        sqlite3_finalize(stmt);
    }
}

void Db::exec(std::string_view sql) {
    char* err = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        sqlite3_free(err);
        throw_sqlite(db_, rc, text);
    }
}

int64_t layout_version(Db& db, const std::string& path, int64_t supported) {
    auto version = db.prepare("PRAGMA user_version");
    version.step();
    const int64_t found = version.int64(0);
    if (found > supported)
        throw Error(ErrorKind::internal, errc::schema_version_unsupported,
                    path + " has layout version " + std::to_string(found) +
                        ", newer than this server understands (" + std::to_string(supported) + ")");
    return found;
}

namespace {

[[noreturn]] void refuse_damaged(const std::string& path, const std::string& problem) {
    throw Error(ErrorKind::internal, errc::store_corrupt,
                path + " is damaged (" + problem +
                    "); it will not be served. Restore it from the latest backup, then start "
                    "again (docs/guarantees.md, Durability)");
}

}  // namespace

void require_intact(const std::string& path) {
    sqlite3* db = nullptr;
    // Read-write without CREATE: a missing file is new, and an existing WAL is replayed first,
    // as the store's own open would.
    const int rc = sqlite3_open_v2(
        path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nullptr);
    if (rc == SQLITE_CANTOPEN) {
        sqlite3_close(db);
        return;
    }
    const std::unique_ptr<sqlite3, int (*)(sqlite3*)> owned(db, sqlite3_close_v2);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "open " + path);
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    std::string first_problem;
    try {
        Stmt check(db, "PRAGMA quick_check(1)");
        if (check.step() && check.text(0) != "ok") first_problem = std::string(check.text(0));
    } catch (const Error& e) {
        if (std::string_view(e.code()) != errc::store_corrupt) throw;
        first_problem = e.what();
    }
    if (!first_problem.empty()) refuse_damaged(path, "quick_check: " + first_problem);
}

void set_layout_version(Db& db, int64_t version) {
    db.exec("PRAGMA user_version = " + std::to_string(version));
}

}  // namespace ocop::sqlite
