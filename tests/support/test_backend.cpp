#include "test_backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/postgres/pg_layout.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/postgres/pg_transaction.hpp"

namespace ocop::test {

std::optional<std::string> test_pg_url() {
    const char* file = std::getenv("OCOP_TEST_PG_URL_FILE");
    if (!file || !*file) return std::nullopt;
    std::ifstream in(file);
    std::string url;
    if (!std::getline(in, url) || url.empty())
        throw std::runtime_error(std::string("OCOP_TEST_PG_URL_FILE: no URL in ") + file +
                                 " (did the postgresql fixture start?)");
    return url;
}

std::string fresh_pg_schema() {
    std::random_device rd;
    const uint64_t n = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    static constexpr char digits[] = "0123456789abcdef";
    std::string name = "t_";
    for (int i = 0; i < 16; ++i) name += digits[(n >> (4 * i)) & 0xF];
    return name;
}

std::string pg_schema_for(const std::string& data_dir) {
    // Stable across processes (FNV-1a, pg_layout.hpp), so every process on DIR finds its schema.
    const auto h = static_cast<uint64_t>(pg::advisory_lock_key(data_dir));
    static constexpr char digits[] = "0123456789abcdef";
    std::string name = "d_";
    for (int i = 0; i < 16; ++i) name += digits[(h >> (4 * i)) & 0xF];
    return name;
}

std::unique_ptr<Store> make_server_store(const std::string& sqlite_path) {
    if (const auto url = test_pg_url()) {
        pg::StoreOptions options;
        options.url = *url;
        options.schema = sqlite_path == ":memory:" ? fresh_pg_schema() : pg_schema_for(sqlite_path);
        options.max_connections = 4;
        return std::make_unique<pg::PgStore>(options);
    }
    return std::make_unique<SqliteStore>(sqlite_path);
}

namespace {

// What a restore from pg_dump gives: the same rows in a schema of the same layout.
void copy_pg_schema(const std::string& url, const std::string& from, const std::string& to) {
    pg::StoreOptions options;
    options.url = url;
    options.schema = to;
    options.max_connections = 1;
    { pg::PgStore create(options); }  // the layout, empty
    pg::Connection c(url);
    pg::Transaction txn(c);
    for (const char* table :
         {"meta", "replicas", "cells", "applied_changesets", "outbox", "retained", "quarantine"}) {
        c.exec("DELETE FROM " + pg::quote_ident(to) + "." + table);
        c.exec("INSERT INTO " + pg::quote_ident(to) + "." + table + " SELECT * FROM " +
               pg::quote_ident(from) + "." + table);
    }
    c.exec("SELECT setval(pg_get_serial_sequence(" + pg::quote_literal(to + ".replicas") +
           ", 'number'), COALESCE((SELECT MAX(number) FROM " + pg::quote_ident(to) +
           ".replicas), 0) + 1, false)");
    txn.commit();
}

}  // namespace

void backup_server_store(Store& store, const std::string& to_path) {
    if (auto* pg = dynamic_cast<pg::PgStore*>(&store)) {
        copy_pg_schema(pg->options().url, pg->options().schema, pg_schema_for(to_path));
        return;
    }
    auto* sqlite = dynamic_cast<SqliteStore*>(&store);
    if (!sqlite) throw std::logic_error("backup_server_store: not a store of make_server_store()");
    sqlite->backup_to(to_path);
}

void copy_server_store(const std::string& from_path, const std::string& to_path) {
    if (const auto url = test_pg_url()) {
        copy_pg_schema(*url, pg_schema_for(from_path), pg_schema_for(to_path));
        return;
    }
    std::filesystem::copy_file(from_path, to_path);
}

std::unique_ptr<Store> open_server_store_of(const std::string& data_dir) {
    if (const auto url = test_pg_url()) {
        pg::StoreOptions options;
        options.url = *url;
        options.schema = pg_schema_for(std::filesystem::absolute(data_dir).string());
        options.max_connections = 2;
        return std::make_unique<pg::PgStore>(options);
    }
    return std::make_unique<SqliteStore>((std::filesystem::path(data_dir) / "ocop.db").string());
}

AppliedChangesets applied_changesets_of(const std::string& data_dir, const std::string& replica) {
    const std::string sql =
        "SELECT COUNT(*), COUNT(DISTINCT seq), COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM "
        "applied_changesets WHERE replica = $1 OR $1 = ''";
    AppliedChangesets out;
    if (const auto url = test_pg_url()) {
        pg::Connection c(*url);
        c.exec(pg::search_path_sql(pg_schema_for(std::filesystem::absolute(data_dir).string())));
        const pg::Result r = c.query(sql, {replica});
        out = {r.i64(0, 0), r.i64(0, 1), r.i64(0, 2), r.i64(0, 3)};
        return out;
    }
    sqlite::Db db((std::filesystem::path(data_dir) / "ocop.db").string(), sqlite::Durability::full);
    auto q = db.prepare(sql);  // SQLite reads $1 as a named parameter, the first one
    q.bind(1, replica);
    if (q.step()) out = {q.int64(0), q.int64(1), q.int64(2), q.int64(3)};
    return out;
}

std::vector<std::string> server_database_args(const std::string& schema) {
    const auto url = test_pg_url();
    if (!url) return {};
    return {"--database", *url, "--database-schema", schema.empty() ? fresh_pg_schema() : schema};
}

}  // namespace ocop::test
