#include "test_backend.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include "ocop/core/sqlite_store.hpp"
#include "ocop/postgres/pg_store.hpp"

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

std::unique_ptr<Store> make_server_store(const std::string& sqlite_path) {
    if (const auto url = test_pg_url()) {
        pg::StoreOptions options;
        options.url = *url;
        options.schema = fresh_pg_schema();
        options.max_connections = 4;
        return std::make_unique<pg::PgStore>(options);
    }
    return std::make_unique<SqliteStore>(sqlite_path, sqlite::Durability::normal);
}

std::vector<std::string> server_database_args(const std::string& schema) {
    const auto url = test_pg_url();
    if (!url) return {};
    return {"--database", *url, "--database-schema", schema.empty() ? fresh_pg_schema() : schema};
}

}  // namespace ocop::test
