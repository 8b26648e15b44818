#include "ocop/server/server_stores.hpp"

#include <chrono>

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Path.h>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/postgres/pg_account_store.hpp"
#include "ocop/postgres/pg_audit_log.hpp"
#include "ocop/postgres/pg_login_throttle_state.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/postgres/pg_views.hpp"
#include "ocop/server/data_layout.hpp"
#include "ocop/server/server_identity.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

namespace {

AccountStoreOptions account_options(const ServerOptions& options, Store& data) {
    AccountStoreOptions out;
    out.pbkdf2_iterations = options.pbkdf2_iterations;
    if (options.accounts_clock) out.clock = options.accounts_clock;
    out.replica_reserved = [store = &data](const std::string& replica) {
        if (replica.starts_with(server_replica_prefix)) return true;
        return store->last_applied(replica) > 0;  // a read: logins never queue behind pushes
    };
    return out;
}

ServerStores open_sqlite(const ServerOptions& options) {
    const auto file = [&](const char* name) {
        return Poco::Path(options.data_dir).append(Poco::Path(name)).toString();
    };
    // A directory written by a newer release is refused before any file in it is opened
    // (store.layout_too_new, naming the release it needs: data_layout.hpp).
    data_layout_of(options.data_dir);
    // Before anything is opened for serving: a file damaged by a crash or a failing disk stops
    // the start (store.corrupt, naming the file) instead of answering from broken data.
    for (const char* name : {"ocop.db", "accounts.db", "audit.db"})
        sqlite::require_intact(file(name));
    // An older directory is migrated in place, step by step, each step logged.
    upgrade_data_layout(options.data_dir, [](const std::string& line) {
        Poco::Logger::get("ocop.server").notice(line);
    });
    ServerStores s;
    // Durability::full: an answered push has reached the disk, whatever happens next.
    auto data = std::make_unique<SqliteStore>(file("ocop.db"), sqlite::Durability::full,
                                              /*cache_mib=*/64, tuning::sqlite_store_readers);
    // A commune's pull reads its units' rows only (docs/storage.md, "The scope index").
    if (const auto index = domain::builtin_scope_policy().scope_index()) {
        const auto started = std::chrono::steady_clock::now();
        if (data->index_scopes(*index))
            Poco::Logger::get("ocop.server")
                .notice("ocop.db: every cell's scope (its record's '" + index->field +
                        "') written for the scope index, in " +
                        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - started)
                                           .count()) +
                        " ms");
    }
    s.data = std::move(data);
    s.accounts = std::make_unique<SqliteAccountStore>(file("accounts.db"),
                                                      account_options(options, *s.data));
    s.audit = std::make_unique<SqliteAuditLog>(file("audit.db"));
    return s;
}

ServerStores open_postgresql(const ServerOptions& options) {
    pg::StoreOptions pg;
    pg.url = options.database;
    pg.schema = options.database_schema;
    ServerStores s;
    auto data = std::make_unique<pg::PgStore>(pg);
    {
        auto c = data->pool().acquire();
        if (const std::string said = pg::ensure_views(*c, builtin_schema(), pg.schema);
            !said.empty())
            Poco::Logger::get("ocop.server").notice(said);
    }
    // The accounts, the audit trail and the login throttle share the data store's schema and
    // connections: every process of the province sees the same tokens and the same failures.
    s.accounts = std::make_unique<pg::PgAccountStore>(*data, account_options(options, *data));
    s.audit = std::make_unique<pg::PgAuditLog>(*data);
    s.throttle_state = std::make_unique<pg::PgLoginThrottleState>(*data, options.login_throttle);
    s.data = std::move(data);
    return s;
}

}  // namespace

bool is_postgresql_url(const std::string& database) {
    return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

ServerStores open_server_stores(const ServerOptions& options) {
    Poco::File(options.data_dir).createDirectories();
    if (options.database.empty()) return open_sqlite(options);
    if (!is_postgresql_url(options.database))
        throw Error(ErrorKind::invalid_input, errc::store_io,
                    "--database must be a PostgreSQL URL (postgresql://USER@HOST:PORT/DB), not '" +
                        options.database + "'");
    return open_postgresql(options);
}

}  // namespace ocop::server
