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
inline bool testing_postgresql() { return test_pg_url().has_value(); }

// A schema name no other store of any test run uses.
std::string fresh_pg_schema();

// A server's data store: PostgreSQL in a fresh schema when this run tests PostgreSQL, otherwise
// SQLite at `sqlite_path` (":memory:" by default).
std::unique_ptr<Store> make_server_store(const std::string& sqlite_path = ":memory:");

// The `ocop-server` arguments that put a server on the run's backend: none for SQLite,
// `--database URL --database-schema S` (a fresh schema, or `schema` when given) for PostgreSQL.
std::vector<std::string> server_database_args(const std::string& schema = {});

}  // namespace ocop::test
