// The server's identity and clock, kept in the data store's meta table: a server_id (a random
// UUID created on first start; a new database means a new id, and devices then pull from 0) and
// the last HLC value, so the clock never runs backwards across restarts even if the host's clock
// does.
#pragma once

#include "ocop/sync/sync_service.hpp"

#include <string>

#include "ocop/core/hlc.hpp"
#include "ocop/core/store.hpp"

namespace ocop::server {

namespace meta_key {
inline constexpr const char* server_id = "server.id";
inline constexpr const char* server_hlc = sync::server_hlc_meta_key;
}  // namespace meta_key

// The stored server id, created and persisted on first call.
std::string ensure_server_id(Store& store);

// The last persisted HLC value ({} when none).
Hlc load_server_hlc(Store& store);
void save_server_hlc(Store& store, Hlc hlc);

}  // namespace ocop::server
