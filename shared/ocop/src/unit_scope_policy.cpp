#include "ocop/domain/unit_scope_policy.hpp"

#include <map>
#include <utility>

#include "ocop/core/uuid.hpp"

namespace ocop::domain {

namespace {

constexpr const char* unit_field = "unit";

// RecordVisibility behind the sync engine's interface.
class UnitRecordScope final : public sync::RecordScope {
  public:
    UnitRecordScope(sync::ScopePolicy::RecordReader read, const std::vector<Grant>& grants,
                    const std::optional<std::vector<std::string>>& only_units,
                    const PermissionTable& table)
        : visibility_(std::move(read), grants, only_units, table) {}

    bool visible(std::string_view collection, std::string_view id) override {
        return visibility_.visible(collection, id);
    }

    void filter(const std::vector<Cell>& cells, std::vector<bool>& keep) override {
        // A record's cells travel together, so its unit is usually in the same batch, which
        // spares reading the record; the unit cell is looked at even when it is not kept.
        std::map<std::pair<std::string_view, std::string_view>, const Value*> units;
        for (const auto& c : cells)
            if (c.field == unit_field) units[{c.collection, c.record_id}] = &c.current.value;
        for (size_t i = 0; i < cells.size(); ++i) {
            if (!keep[i]) continue;
            const Cell& c = cells[i];
            const auto unit = units.find({c.collection, c.record_id});
            keep[i] = visibility_.visible(c.collection, c.record_id,
                                          unit == units.end() ? nullptr : unit->second);
        }
    }

  private:
    RecordVisibility visibility_;
};

}  // namespace

std::unique_ptr<sync::RecordScope> UnitScopePolicy::scope(
    RecordReader read, const std::vector<Grant>& grants,
    const std::optional<std::vector<std::string>>& only_units) const {
    return std::make_unique<UnitRecordScope>(std::move(read), grants, only_units, table_);
}

std::vector<std::string> UnitScopePolicy::covered_units(Store& store,
                                                        const std::vector<Grant>& grants) const {
    return domain::covered_units(store, grants);
}

size_t UnitScopePolicy::evict(StoreTxn& txn, const std::vector<std::string>& keep) const {
    size_t evicted = 0;
    for (const auto& coll : table_.unit_scoped_collections())
        evicted += txn.purge_records_not_in(coll, unit_field, keep);
    return evicted;
}

void UnitScopePolicy::scope_like(StoreTxn& txn, std::string_view collection, std::string_view id,
                                 FieldValues& fields) const {
    if (auto unit = txn.cell(collection, id, unit_field);
        unit && unit->value.is_string() && is_uuid(unit->value.get<std::string>()))
        fields[unit_field] = unit->value;
}

const UnitScopePolicy& builtin_scope_policy() {
    static const UnitScopePolicy policy;
    return policy;
}

}  // namespace ocop::domain
