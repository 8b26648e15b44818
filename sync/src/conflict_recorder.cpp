#include "ocop/sync/conflict_recorder.hpp"

#include <ctime>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/uuid.hpp"

namespace ocop::sync {

using nlohmann::json;

std::string iso_utc(int64_t unix_ms) {
    const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string ConflictRecorder::conflict_id(std::string_view collection, std::string_view record_id,
                                          std::string_view field) {
    std::string name = "conflict/";
    name.append(collection).append("/").append(record_id).append("/").append(field);
    return name_based_uuid(name);
}

namespace {

constexpr std::string_view kOwnerMetaPrefix = "conflict.replica_owner/";

// The edits `rec` makes to a deleted record without bringing it back, as {field: value}; null
// when it is no such edit.
json edit_of_deleted(StoreTxn& txn, const RecordChange& rec) {
    for (const auto& f : rec.fields)
        if (f.field == deleted_field) return nullptr;  // deletes again or restores: no conflict
    const auto stored = txn.read(rec.collection, rec.id);
    if (!stored || !stored->deleted()) return nullptr;
    json edit = json::object();
    for (const auto& f : rec.fields)
        if (stored->get(f.field) != f.value) edit[f.field] = f.value;
    return edit.empty() ? json(nullptr) : edit;
}

}  // namespace

std::vector<ConcurrentWrite> ConflictRecorder::detect(StoreTxn& txn, const Changeset& cs) const {
    std::vector<ConcurrentWrite> out;
    for (const auto& rec : cs.records) {
        if (rec.collection == conflict_collection) continue;
        const auto stamps = txn.stamps(rec.collection, rec.id);
        if (stamps.empty()) continue;  // a new record cannot conflict
        // An edit that meets a deletion: the writer had not seen that the record was deleted.
        // The edit is kept in the deleted record's cells; a person restores it or confirms.
        if (json edit = edit_of_deleted(txn, rec); !edit.is_null())
            if (auto cell = txn.cell(rec.collection, rec.id, deleted_field);
                cell && cell->stamp.replica != cs.replica)
                out.push_back({rec.collection, rec.id, std::string(deleted_field), std::move(*cell),
                               Value(false), std::move(edit)});
        for (const auto& f : rec.fields) {
            const Stamp* current = nullptr;
            for (const auto& [name, stamp] : stamps)
                if (name == f.field) current = &stamp;
            // Not concurrent: a new field, a writer that had seen the current value, or the
            // device's own earlier write.
            if (!current || (f.base && *f.base == *current) || current->replica == cs.replica)
                continue;
            auto cell = txn.cell(rec.collection, rec.id, f.field);
            if (!cell || cell->value == f.value) continue;
            out.push_back({rec.collection, rec.id, f.field, std::move(*cell), f.value});
        }
    }
    return out;
}

void ConflictRecorder::remember_owner(StoreTxn& txn, const Principal& who) {
    if (who.replica.empty()) return;
    const std::string key = std::string(kOwnerMetaPrefix) + who.replica;
    const std::string owner = json{{"user", who.user}, {"device", who.device_id}}.dump();
    if (txn.meta(key) != owner) txn.set_meta(key, owner);
}

std::pair<json, json> ConflictRecorder::owner_of(StoreTxn& txn, const std::string& replica) const {
    if (const auto text = txn.meta(std::string(kOwnerMetaPrefix) + replica)) {
        const json owner = json::parse(*text, nullptr, /*allow_exceptions=*/false);
        if (owner.is_object() && owner.value("user", json()).is_string())
            return {owner.value("user", json()), owner.value("device", json())};
    }
    // Not seen pushing since owners are remembered: the enrolment store still knows it.
    if (owners_)
        if (const auto owner = owners_(replica)) {
            remember_owner(txn, Principal{owner->user, owner->device_id, replica, {}});
            return {owner->user, owner->device_id};
        }
    return {nullptr, nullptr};
}

std::string ConflictRecorder::describe_resolutions(const Changeset& cs) {
    std::string out;
    for (const auto& rec : cs.records) {
        if (rec.collection != conflict_collection) continue;
        json fields = json::object();
        for (const auto& f : rec.fields) fields[f.field] = f.value;
        const json status = fields.value("status", json());
        std::string line;
        if (status == "resolved") {
            line = "conflict " + rec.id + " resolved by " +
                   fields.value("resolved_by", json()).dump() + ": ";
            const json choice = fields.value("resolved_choice", json());
            if (choice.is_object() && choice.contains("index"))
                line += "value " + choice["index"].dump() + " (written by " +
                        choice.value("writer", json()).dump() + ")";
            else
                line += "new value";
            line += " = " + fields.value("resolved_value", json()).dump();
        } else if (status == "open" && fields.contains("reopened_by")) {
            line = "conflict " + rec.id + " reopened by " + fields["reopened_by"].dump();
        }
        if (line.empty()) continue;
        if (!out.empty()) out += "; ";
        out += line;
    }
    return out;
}

size_t ConflictRecorder::record(StoreTxn& txn, const std::vector<ConcurrentWrite>& writes,
                                const Changeset& cs, const Principal& who) {
    remember_owner(txn, who);
    if (writes.empty()) return 0;
    size_t opened = 0;
    LocalTransaction edits;
    for (const auto& w : writes) {
        const std::string id = conflict_id(w.collection, w.record_id, w.field);
        json entries = json::array();
        if (auto existing = txn.read(conflict_collection, id);
            existing && existing->get("status") == "open" && existing->get("values").is_array())
            entries = existing->get("values");
        else
            ++opened;
        auto add = [&](const Value& value, const Stamp& stamp, const json& user, const json& device,
                       const json& edit) {
            const json s = codec::stamp_to_json(stamp);
            for (const auto& e : entries)
                if (e.value("stamp", json()) == s) return;  // already listed
            json entry = {
                {"value", value}, {"stamp", s},       {"written_at", iso_utc(stamp.hlc.wall_ms)},
                {"user", user},   {"device", device}, {"replica", stamp.replica}};
            if (!edit.is_null()) entry["edit"] = edit;
            entries.push_back(std::move(entry));
        };
        const auto [first_user, first_device] = owner_of(txn, w.current.stamp.replica);
        add(w.current.value, w.current.stamp, first_user, first_device, nullptr);
        add(w.incoming, cs.stamp(), who.user, who.device_id, w.edit);

        FieldValues fields = {{"record_collection", w.collection},
                              {"record_id", w.record_id},
                              {"field", w.field},
                              {"status", "open"},
                              {"values", entries},
                              {"detected_at", iso_utc(writer_.clock().physical_ms())}};
        // The conflict belongs where its record does, so it syncs to the same devices.
        if (scope_) scope_->scope_like(txn, w.collection, w.record_id, fields);
        edits.put(conflict_collection, id, fields);
    }
    writer_.commit_in(txn, edits);
    return opened;
}

}  // namespace ocop::sync
