// JSON views of SDK results, shared by the C ABI and ocop-field so both print the same shapes.
#pragma once

#include <nlohmann/json.hpp>

#include "ocop/core/store.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sync/sync_client.hpp"

namespace ocop::sdk::json_view {

nlohmann::json record(const Record& r);
nlohmann::json report(const sync::SyncReport& r);
nlohmann::json status(const Status& s);
nlohmann::json refused(const std::vector<QuarantinedChangeset>& list);

}  // namespace ocop::sdk::json_view
