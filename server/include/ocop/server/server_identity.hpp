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

// The server's own replica (the one that writes conflict records and the demo province) is this
// prefix and the server id. No device may enrol under the prefix (sqlite_account_store.hpp).
inline constexpr std::string_view server_replica_prefix = "server-";

// The replica id the server's own writer uses: the prefix and the server id; with `per_process`
// (several processes share one database) a random suffix new at every start as well.
std::string server_writer_replica(const std::string& server_id, bool per_process);

// The stored server id, created and persisted on first call.
std::string ensure_server_id(Store& store);

// The last persisted HLC value ({} when none); one more than a day ahead of `physical_ms` (the
// host's clock now) is damage, not history: the clock resumes at the tolerance instead.
Hlc load_server_hlc(Store& store, int64_t physical_ms);
void save_server_hlc(Store& store, Hlc hlc);

}  // namespace ocop::server
