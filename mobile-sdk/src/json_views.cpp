#include "ocop/sdk/json_views.hpp"

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/messages_vi.hpp"
#include "ocop/sdk/local_time.hpp"

namespace ocop::sdk::json_view {

using nlohmann::json;

json record(const Record& r) {
    json fields = json::object();
    for (const auto& [name, cell] : r.fields)
        if (name != deleted_field) fields[name] = cell.value;
    return {
        {"collection", r.collection}, {"id", r.id}, {"deleted", r.deleted()}, {"fields", fields}};
}

json record_labelled(const Record& r, const Schema& schema, std::optional<int> utc_offset_minutes) {
    json j = record(r);
    const CollectionDef* coll = schema.collection(r.collection);
    if (!coll) return j;
    json& fields = j["fields"];
    for (const auto& def : coll->fields) {
        const auto it = fields.find(def.name);
        if (it == fields.end() || !it->is_string()) continue;
        const std::string value = it->get<std::string>();  // fields grows below
        if (def.type == FieldType::enumeration) {
            for (const auto& o : def.options)
                if (o.value == value) fields[def.name + "_label_vi"] = o.label_vi;
        } else if (def.type == FieldType::datetime && utc_offset_minutes &&
                   is_iso_datetime(value)) {
            fields[def.name + "_local"] = format_local_time(value, *utc_offset_minutes);
        }
    }
    return j;
}

json progress(const sync::SyncProgress& p) {
    return {{"requests", p.requests},
            {"failed_attempts", p.failed_attempts},
            {"pushed", p.pushed},
            {"refused", p.refused},
            {"pending", p.pending},
            {"pulled", p.pulled_cells},
            {"evicted", p.evicted},
            {"cursor", p.cursor},
            {"server_head", p.server_head},
            {"bytes_sent", p.bytes_sent},
            {"bytes_received", p.bytes_received}};
}

json report(const sync::SyncReport& r) {
    json refusals = json::array();
    for (const auto& x : r.refusals)
        refusals.push_back({{"seq", x.seq},
                            {"code", x.code},
                            {"message", x.message},
                            {"message_vi", message_vi_or_generic(x.code)}});
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
        j["error"] = {{"code", r.error_code},
                      {"message", r.error_message},
                      {"message_vi", message_vi_or_generic(r.error_code)},
                      {"transient", r.error_transient}};
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
    // last_error is "<code>: <message>" (the sync client's meta); the code picks the sentence.
    j["last_error_vi"] =
        s.last_error.empty()
            ? std::string()
            : message_vi_or_generic(s.last_error.substr(0, s.last_error.find(": ")));
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
                       {"message_vi", message_vi_or_generic(q.code)},
                       {"changeset", codec::to_json(q.changeset)}});
    return out;
}

}  // namespace ocop::sdk::json_view
