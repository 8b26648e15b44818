#include "ocop/sdk/json_views.hpp"

#include "ocop/core/changeset_codec.hpp"

namespace ocop::sdk::json_view {

using nlohmann::json;

json record(const Record& r) {
    json fields = json::object();
    for (const auto& [name, cell] : r.fields)
        if (name != deleted_field) fields[name] = cell.value;
    return {
        {"collection", r.collection}, {"id", r.id}, {"deleted", r.deleted()}, {"fields", fields}};
}

json report(const sync::SyncReport& r) {
    json refusals = json::array();
    for (const auto& x : r.refusals)
        refusals.push_back({{"seq", x.seq}, {"code", x.code}, {"message", x.message}});
    json j = {{"complete", r.complete},
              {"requests", r.progress.requests},
              {"failed_attempts", r.progress.failed_attempts},
              {"pushed", r.progress.pushed},
              {"refused", r.progress.refused},
              {"pending", r.progress.pending},
              {"pulled", r.progress.pulled_cells},
              {"evicted", r.progress.evicted},
              {"cursor", r.progress.cursor},
              {"server_head", r.progress.server_head},
              {"bytes_sent", r.progress.bytes_sent},
              {"bytes_received", r.progress.bytes_received},
              {"refusals", refusals}};
    if (!r.complete)
        j["error"] = {
            {"code", r.error_code}, {"message", r.error_message}, {"transient", r.error_transient}};
    return j;
}

json status(const Status& s) {
    json j = {{"enrolled", s.enrolled},
              {"server", s.server_url},
              {"user", s.user},
              {"replica", s.replica_id},
              {"pending", s.pending_changesets},
              {"refused", s.refused_changesets},
              {"fully_synced", s.fully_synced},
              {"pull_cursor", s.pull_cursor},
              {"last_error", s.last_error}};
    j["last_complete_sync_ms"] =
        s.last_complete_sync_ms ? json(*s.last_complete_sync_ms) : json(nullptr);
    // The roles and units the server last reported (null before the first sync).
    if (s.grants) {
        json grants = json::array();
        for (const auto& g : *s.grants) grants.push_back({{"role", g.role}, {"unit", g.unit}});
        j["grants"] = std::move(grants);
    } else {
        j["grants"] = nullptr;
    }
    return j;
}

json refused(const std::vector<QuarantinedChangeset>& list) {
    json out = json::array();
    for (const auto& q : list)
        out.push_back({{"seq", q.changeset.seq},
                       {"code", q.code},
                       {"message", q.message},
                       {"changeset", codec::to_json(q.changeset)}});
    return out;
}

}  // namespace ocop::sdk::json_view
