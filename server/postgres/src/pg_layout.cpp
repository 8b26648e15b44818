#include "ocop/postgres/pg_layout.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/postgres/pg_transaction.hpp"

namespace ocop::pg {

namespace {

// The same definition as PgStore's: whichever store starts first creates it.
constexpr const char* kMetaSql =
    R"sql(CREATE TABLE IF NOT EXISTS meta(key text COLLATE "C" PRIMARY KEY, value text NOT NULL))sql";

void ensure_once(Connection& c, const std::string& schema, const Layout& layout) {
    Transaction txn(c);
    c.query("SELECT pg_advisory_xact_lock($1::bigint)",
            {std::to_string(advisory_lock_key("ocop.layout:" + schema))});
    c.exec("CREATE SCHEMA IF NOT EXISTS " + quote_ident(schema));
    c.exec(kMetaSql);
    c.exec(layout.ddl);
    const Result found = c.query("SELECT value FROM meta WHERE key=$1", {layout.key});
    if (found.rows() == 0) {
        c.query("INSERT INTO meta(key, value) VALUES($1, $2)",
                {layout.key, std::to_string(layout.version)});
    } else if (const int64_t version = stored_i64(std::string(found.text(0, 0)), layout.key);
               version > layout.version) {
        throw Error(ErrorKind::internal, errc::store_layout_too_new,
                    "the PostgreSQL schema " + schema + " has " + layout.what + " layout " +
                        std::to_string(version) + "; this server reads layout " +
                        std::to_string(layout.version) + " and older: run a newer ocop-server");
    } else if (version < layout.version) {
        c.query("UPDATE meta SET value=$2 WHERE key=$1",
                {layout.key, std::to_string(layout.version)});
    }
    txn.commit();
}

}  // namespace

int64_t advisory_lock_key(std::string_view name) {
    uint64_t h = 14695981039346656037ull;
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return static_cast<int64_t>(h);
}

void ensure_layout(Connection& c, const std::string& schema, const Layout& layout) {
    try {
        ensure_once(c, schema, layout);
    } catch (const Error& e) {
        // PgStore creates the schema and `meta` under a lock of its own: a server starting its
        // stores beside another one can lose that race once (a duplicate in the catalog). The
        // second attempt finds them.
        if (e.code() == errc::store_layout_too_new) throw;
        ensure_once(c, schema, layout);
    }
}

}  // namespace ocop::pg
