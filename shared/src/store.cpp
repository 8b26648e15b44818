#include "ocop/core/store.hpp"

namespace ocop {

bool Record::deleted() const {
    const auto it = fields.find(deleted_field);
    return it != fields.end() && it->second.value.is_boolean() && it->second.value.get<bool>();
}

const Value& Record::get(std::string_view field) const {
    static const Value null_value;  // immutable: shared safely
    const auto it = fields.find(field);
    return it == fields.end() ? null_value : it->second.value;
}

std::map<std::string, Value, std::less<>> Record::values() const {
    std::map<std::string, Value, std::less<>> out;
    for (const auto& [name, cell] : fields) out.emplace(name, cell.value);
    return out;
}

ApplyResult apply_changeset(StoreTxn& txn, const Changeset& cs) {
    ApplyResult result;
    const Stamp stamp = cs.stamp();
    for (const auto& rec : cs.records) {
        const size_t applied = txn.merge_record(rec.collection, rec.id, rec.fields, stamp);
        result.applied += applied;
        result.superseded += rec.fields.size() - applied;
    }
    return result;
}

}  // namespace ocop
