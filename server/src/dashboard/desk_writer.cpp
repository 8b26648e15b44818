#include "ocop/server/dashboard/desk_writer.hpp"

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/push_audit.hpp"
#include "ocop/sync/conflict_recorder.hpp"

namespace ocop::server::desk {

DeskPushResult push_changes(DeskContext& ctx, const Viewer& viewer,
                            std::vector<RecordChange> records, const std::string& peer) {
    ServerContext& server = ctx.server;
    const int64_t received_ms = server.clock();
    std::lock_guard lock(ctx.push_mutex);
    for (auto& rec : records)
        if (const auto stored = server.store.read(rec.collection, rec.id))
            for (auto& f : rec.fields)
                if (const auto it = stored->fields.find(f.field); it != stored->fields.end())
                    f.base = it->second.stamp;

    sync::SyncRequest req;
    req.replica = viewer.who.replica;
    req.schema_version = builtin_schema().version();
    req.app_version = std::string("ocop-desk/") + server_version;
    req.hlc = Hlc{received_ms, 0};
    req.epoch = server.sync.epoch();
    Changeset cs;
    cs.replica = viewer.who.replica;
    cs.seq = server.store.last_applied(cs.replica) + 1;
    req.acked = cs.seq - 1;
    cs.schema_version = req.schema_version;
    cs.hlc = req.hlc;
    cs.records = std::move(records);
    req.changesets.push_back(std::move(cs));

    sync::SyncResponse answer;
    try {
        answer = server.sync.handle(req, viewer.who);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::internal && e.kind() != ErrorKind::transient)
            server.audit.append(
                {audit_entry(viewer.who.user, viewer.who.device_id, viewer.who.replica, received_ms,
                             peer, "rejected", e.code(), e.what())});
        throw;
    }
    if (server.metrics) server.metrics->count_sync(req, answer);
    auto entries = push_audit_entries(viewer.who, received_ms, peer, req, answer);
    if (!entries.empty()) server.audit.append(std::move(entries));

    DeskPushResult out;
    if (answer.results.empty()) {  // a gap: another writer used this replica's numbers
        out.code = errc::desk_bad_request;
        out.message = "the desk replica's changeset numbers are out of step; try again";
        return out;
    }
    const auto& r = answer.results.front();
    out.applied = r.outcome == sync::Outcome::applied;
    out.code = r.code;
    out.message = r.message;
    return out;
}

DeskPushResult resolve_conflict(DeskContext& ctx, const Viewer& viewer,
                                const std::string& conflict_id, size_t index,
                                const std::string& peer) {
    const auto conflict = ctx.server.store.read(sync::conflict_collection, conflict_id);
    const Value& unit = conflict ? conflict->get("unit") : Value();
    // A conflict the viewer may not see is answered as one that does not exist.
    if (!conflict || conflict->deleted() || !unit.is_string() ||
        !viewer.covers(unit.get<std::string>()))
        throw Error(ErrorKind::not_found, errc::desk_bad_request,
                    "no conflict " + conflict_id.substr(0, 64) + " for this user");
    if (conflict->get("status") != Value("open"))
        throw Error(ErrorKind::conflict, errc::conflict_not_open,
                    "conflict " + conflict_id + " is already resolved (by " +
                        conflict->get("resolved_by").dump() + "); reopen it first to choose again");
    const Value& values = conflict->get("values");
    if (!values.is_array() || index < 1 || index > values.size())
        throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                    "conflict " + conflict_id + " has no value " + std::to_string(index));
    const Value& entry = values[index - 1];
    const Value chosen = entry.value("value", Value());
    const std::string collection = conflict->get("record_collection").get<std::string>();
    const std::string record_id = conflict->get("record_id").get<std::string>();
    const std::string field = conflict->get("field").get<std::string>();

    std::vector<RecordChange> records;
    if (field == deleted_field) {
        // An edit that met a deletion: true confirms the deletion, false restores the record
        // with the edit (its cells are there already); only what changes is written.
        if (!chosen.is_boolean())
            throw Error(ErrorKind::invalid_input, errc::desk_bad_request,
                        "conflict " + conflict_id + " lists a value that is not true or false");
        const auto record = ctx.server.store.read(collection, record_id);
        const bool deleted = record && record->deleted();
        if (record && chosen.get<bool>() != deleted)
            records.push_back({collection, record_id, {{std::string(deleted_field), chosen, {}}}});
    } else {
        records.push_back({collection, record_id, {{field, chosen, {}}}});
    }
    const Value choice{{"index", index},
                       {"writer", entry.value("user", Value())},
                       {"stamp", entry.value("stamp", Value())}};
    records.push_back({sync::conflict_collection,
                       conflict_id,
                       {{"status", "resolved", {}},
                        {"resolved_by", viewer.who.user, {}},
                        {"resolved_at", sync::iso_utc(ctx.server.clock()), {}},
                        {"resolved_value", chosen, {}},
                        {"resolved_choice", choice, {}}}});
    return push_changes(ctx, viewer, std::move(records), peer);
}

}  // namespace ocop::server::desk
