#include "ocop/domain/unit_scope_policy.hpp"

#include <deque>
#include <map>
#include <set>
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

namespace {

// `units` and every live admin unit below one of them: the units whose parent or successor link
// leads to one (UnitCoverage::covers walks the same links upwards from a record's unit). The
// walk down is bounded only by the province, so a unit it reaches and covers() would give up on
// (a chain deeper than its limit) is kept: the selector may keep more than the scope, not less.
std::set<std::string> units_below(Store& store, std::set<std::string> units) {
    std::deque<std::string> todo(units.begin(), units.end());
    constexpr size_t page = 500;
    while (!todo.empty()) {
        const std::string id = todo.front();
        todo.pop_front();
        for (const char* link : {"parent", "successor"}) {
            std::string after;
            for (;;) {
                const auto children = store.query("admin_unit", {{link, Value(id)}}, page, after);
                for (const auto& child : children)
                    if (units.insert(child.id).second) todo.push_back(child.id);
                if (children.size() < page) break;
                after = children.back().id;
            }
        }
    }
    return units;
}

}  // namespace

std::optional<ChangeSelector> UnitScopePolicy::selector(
    Store& store, const std::vector<Grant>& grants,
    const std::optional<std::vector<std::string>>& only_units) const {
    std::set<std::string> granted;
    for (const auto& g : grants) granted.insert(g.unit);
    std::set<std::string> units = units_below(store, std::move(granted));
    ChangeSelector sel;
    sel.field = unit_field;
    if (only_units) {
        // A backfill: the records of those units (and below), still within the grants, and no
        // reference data (RecordVisibility::visible).
        const std::set<std::string> only =
            units_below(store, std::set<std::string>(only_units->begin(), only_units->end()));
        for (const auto& u : units)
            if (only.count(u)) sel.values.push_back(u);
    } else {
        sel.collections = table_.reference_collections();
        sel.values.assign(units.begin(), units.end());
    }
    return sel;
}

std::optional<ScopeIndex> UnitScopePolicy::scope_index() const {
    return ScopeIndex{unit_field, table_.reference_collections()};
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
