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

std::vector<ConcurrentWrite> ConflictRecorder::detect(StoreTxn& txn, const Changeset& cs) const {
    std::vector<ConcurrentWrite> out;
    for (const auto& rec : cs.records) {
        if (rec.collection == conflict_collection) continue;
        const auto stamps = txn.stamps(rec.collection, rec.id);
        if (stamps.empty()) continue;  // a new record cannot conflict
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

void ConflictRecorder::record(StoreTxn& txn, const std::vector<ConcurrentWrite>& writes,
                              const Changeset& cs, const Principal& who) {
    if (writes.empty()) return;
    LocalTransaction edits;
    for (const auto& w : writes) {
        const std::string id = conflict_id(w.collection, w.record_id, w.field);
        json entries = json::array();
        if (auto existing = txn.read(conflict_collection, id);
            existing && existing->get("status") == "open" && existing->get("values").is_array())
            entries = existing->get("values");
        auto add = [&](const Value& value, const Stamp& stamp, const json& user, const json& device) {
            const json s = codec::stamp_to_json(stamp);
            for (const auto& e : entries)
                if (e.value("stamp", json()) == s) return;  // already listed
            entries.push_back({{"value", value}, {"stamp", s}, {"written_at", iso_utc(stamp.hlc.wall_ms)},
                               {"user", user}, {"device", device}, {"replica", stamp.replica}});
        };
        add(w.current.value, w.current.stamp, nullptr, nullptr);
        add(w.incoming, cs.stamp(), who.user, who.device_id);

        FieldValues fields = {{"record_collection", w.collection},
                              {"record_id", w.record_id},
                              {"field", w.field},
                              {"status", "open"},
                              {"values", entries},
                              {"detected_at", iso_utc(writer_.clock().physical_ms())}};
        // The conflict belongs to the record's administrative unit, so it syncs to that unit.
        if (auto unit = txn.cell(w.collection, w.record_id, "unit");
            unit && unit->value.is_string() && is_uuid(unit->value.get<std::string>()))
            fields["unit"] = unit->value;
        edits.put(conflict_collection, id, fields);
    }
    writer_.commit_in(txn, edits);
}

}  // namespace ocop::sync
