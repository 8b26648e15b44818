// JSON views of SDK results, shared by the C ABI and ocop-field so both print the same shapes.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "ocop/core/store.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sync/sync_client.hpp"

namespace ocop::sdk::json_view {

nlohmann::json record(const Record& r);
// record() plus, for display: "<field>_label_vi" beside each enum field (its option's label),
// and, when an offset is given, "<field>_local" beside each date-time field (format_local_time).
// The stored values are unchanged. Every error or refusal view carries "message_vi" (the core's
// catalogue, ocop/core/messages_vi.hpp) beside "code" and "message".
nlohmann::json record_labelled(const Record& r, const Schema& schema,
                               std::optional<int> utc_offset_minutes = std::nullopt);
nlohmann::json progress(const sync::SyncProgress& p);  // the counters of report()
nlohmann::json report(const sync::SyncReport& r);
nlohmann::json status(const Status& s);
nlohmann::json refused(const std::vector<QuarantinedChangeset>& list);

}  // namespace ocop::sdk::json_view
