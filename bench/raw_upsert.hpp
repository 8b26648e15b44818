// The machine's limit for storing cells: a bare SQLite upsert of (collection, record, field) ->
// value with the same durability as the store (WAL, synchronous=FULL), no merge rule, no stamps.
// Both benchmarks report their store figures as a ratio to it.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace ocop::bench {

class RawUpsert {
  public:
    explicit RawUpsert(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("cannot open " + path);
        exec(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            "CREATE TABLE kv(collection TEXT, record_id TEXT, field TEXT, value TEXT,"
            " PRIMARY KEY(collection, record_id, field)) WITHOUT ROWID;");
        if (sqlite3_prepare_v2(db_,
                               "INSERT INTO kv VALUES(?1,?2,?3,?4) ON CONFLICT(collection, "
                               "record_id, field) DO UPDATE SET value=excluded.value",
                               -1, &put_, nullptr) != SQLITE_OK)
            fail("cannot prepare the upsert");
    }
    ~RawUpsert() {
        sqlite3_finalize(put_);
        sqlite3_close(db_);
    }
    RawUpsert(const RawUpsert&) = delete;
    RawUpsert& operator=(const RawUpsert&) = delete;

    void begin() { exec("BEGIN"); }
    void commit() { exec("COMMIT"); }
    void put(std::string_view collection, std::string_view id, std::string_view field,
             std::string_view value) {
        const std::string_view cols[] = {collection, id, field, value};
        for (int c = 0; c < 4; ++c)
            sqlite3_bind_text(put_, c + 1, cols[c].data(), static_cast<int>(cols[c].size()),
                              SQLITE_STATIC);
        if (sqlite3_step(put_) != SQLITE_DONE) fail("raw upsert failed");
        sqlite3_reset(put_);
    }

  private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error(what + (db_ ? std::string(": ") + sqlite3_errmsg(db_) : ""));
    }
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }

    sqlite3* db_ = nullptr;
    sqlite3_stmt* put_ = nullptr;
};

}  // namespace ocop::bench
