#include "ocop/core/sqlite_db.hpp"

#include <sqlite3.h>

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
        default:
            throw Error(ErrorKind::internal, errc::store_io, msg);
    }
}

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db, rc, "prepare");
}

Stmt::Stmt(Stmt&& o) noexcept : stmt_(o.stmt_), db_(o.db_) {
    o.stmt_ = nullptr;
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        stmt_ = o.stmt_;
        db_ = o.db_;
        o.stmt_ = nullptr;
    }
    return *this;
}

Stmt::~Stmt() {
    sqlite3_finalize(stmt_);
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
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
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
}

Db::~Db() {
    sqlite3_close_v2(db_);
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

void set_layout_version(Db& db, int64_t version) {
    db.exec("PRAGMA user_version = " + std::to_string(version));
}

}  // namespace ocop::sqlite
