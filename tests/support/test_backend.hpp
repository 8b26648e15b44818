// Which backend a test's server stores run on. The server-side suites are registered twice with
// CTest (tests/support/CMakeLists.txt): once as they are, on SQLite, and once with
// OCOP_TEST_PG_URL_FILE naming the URL of the throwaway cluster that the `postgresql` fixture
// started (pg_cluster.sh). The same test code then runs on PostgreSQL, each store in a schema of
// its own so that tests never see each other's data.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ocop/core/store.hpp"

namespace ocop::test {

// The test cluster's URL when this run tests PostgreSQL; nothing otherwise.
std::optional<std::string> test_pg_url();
inline bool testing_postgresql() {
    return test_pg_url().has_value();
}

// A schema name no other store of any test run uses.
std::string fresh_pg_schema();

// The schema of the server whose data directory is `data_dir`: the same for every process and
// every restart on that directory, different for every other one (test directories are unique).
std::string pg_schema_for(const std::string& data_dir);

// A server's data store: PostgreSQL in a fresh schema when this run tests PostgreSQL, otherwise
// SQLite at `sqlite_path` (":memory:" by default).
std::unique_ptr<Store> make_server_store(const std::string& sqlite_path = ":memory:");

// A consistent copy of a server store made with make_server_store(), as if backed up to
// `to_path` (SQLite: the online backup into that file; PostgreSQL: the tables copied into the
// schema of that path), and the copy of such a backup under another path (a restore).
void backup_server_store(Store& store, const std::string& to_path);
void copy_server_store(const std::string& from_path, const std::string& to_path);

// The data store of the ocop-server process whose data directory is `data_dir`, opened again
// (after the process stopped) to check what it holds: DIR/ocop.db, or its PostgreSQL schema.
std::unique_ptr<Store> open_server_store_of(const std::string& data_dir);

// The exactly-once bookkeeping of such a server: how many changesets of `replica` (all replicas
// when empty) it recorded, how many distinct numbers, the lowest and the highest.
struct AppliedChangesets {
    int64_t count = 0, distinct = 0, min = 0, max = 0;
};
AppliedChangesets applied_changesets_of(const std::string& data_dir,
                                        const std::string& replica = {});

// The `ocop-server` arguments that put a server on the run's backend: none for SQLite,
// `--database URL --database-schema S` (a fresh schema, or `schema` when given) for PostgreSQL.
std::vector<std::string> server_database_args(const std::string& schema = {});

}  // namespace ocop::test
