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
        for (const auto& f : rec.fields) {
            if (txn.merge(rec.collection, rec.id, f.field, f.value, stamp)) ++result.applied;
            else ++result.superseded;
        }
    }
    return result;
}

}  // namespace ocop
