// The tables of one of the server's smaller stores (accounts, audit trail, login throttle) in a
// PostgreSQL schema, with the layout version the store keeps under its own key of `meta`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ocop/postgres/pg_connection.hpp"

namespace ocop::pg {

struct Layout {
    const char* key;   // in meta: "accounts_layout", say
    int version;       // what this build writes
    const char* ddl;   // CREATE ... IF NOT EXISTS of every table and index
    const char* what;  // for the message: "accounts"
};

// Creates the schema, `meta` and the layout's tables if missing, and records the version; a
// schema whose version for this key is newer is refused (store.layout_too_new). Serialised across
// processes by an advisory lock of the schema, so that servers starting together on an empty
// database create it once.
void ensure_layout(Connection& c, const std::string& schema, const Layout& layout);

// The key of an advisory lock named `name`: FNV-1a, the same in every process and every build.
int64_t advisory_lock_key(std::string_view name);

}  // namespace ocop::pg
