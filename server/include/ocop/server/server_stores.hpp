// The three stores a server runs on, opened for its options: the data store (cells, change log,
// receipts), the accounts (users, grants, devices, tokens) and the audit log. On the embedded
// default they are SQLite files in the data directory (ocop.db, accounts.db, audit.db), each
// checked for damage and migrated in place first; with `database` set they are tables of one
// PostgreSQL schema shared by every server process of the province.
#pragma once

#include <memory>

#include "ocop/core/store.hpp"
#include "ocop/server/account_store.hpp"
#include "ocop/server/audit_log.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/server.hpp"

namespace ocop::server {

struct ServerStores {
    std::unique_ptr<Store> data;
    std::unique_ptr<AccountStore> accounts;
    std::unique_ptr<AuditLog> audit;
    // Where the login throttle keeps its records: null for the process's own memory (one process
    // on SQLite), the shared database otherwise.
    std::unique_ptr<LoginThrottleState> throttle_state;
};

// Throws Error store.corrupt (a damaged file), store.layout_too_new (a newer release's data),
// store.io (PostgreSQL cannot be reached) before anything is served.
ServerStores open_server_stores(const ServerOptions& options);

// True for a libpq URL (postgresql:// or postgres://).
bool is_postgresql_url(const std::string& database);

}  // namespace ocop::server
