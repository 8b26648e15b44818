#include "ocop/domain/admin_units.hpp"

#include <algorithm>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

namespace {

constexpr const char* kUnits = "admin_unit";

std::string label(const std::string& id) {
    return std::string(kUnits) + "/" + id;
}

[[noreturn]] void merge_invalid(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::unit_merge_invalid, what);
}

std::optional<Date> date_field(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    if (!v.is_string()) return std::nullopt;
    return Date::try_parse(v.get<std::string>());
}

std::string text_field(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    return v.is_string() ? v.get<std::string>() : std::string();
}

Record require_unit(Store& store, const std::string& id) {
    auto r = store.read(kUnits, id);
    if (!r)
        throw Error(ErrorKind::not_found, ocop::errc::record_not_found,
                    label(id) + " does not exist");
    if (r->deleted())
        throw Error(ErrorKind::conflict, ocop::errc::record_deleted,
                    label(id) + " has been deleted");
    return *r;
}

// The unit exists on the day before `effective` and has not ended or been merged already.
void require_ending_unit(const Record& u, const std::string& id, Date effective) {
    if (!text_field(u, "successor").empty())
        throw Error(ErrorKind::conflict, errc::unit_already_merged,
                    label(id) + " already has a successor (" + text_field(u, "successor") + ")");
    const auto from = date_field(u, "valid_from");
    if (from && *from >= effective)
        merge_invalid(label(id) + " starts on " + from->iso() + ", not before " + effective.iso());
    if (const auto to = date_field(u, "valid_to"); to && *to < effective.add_days(-1))
        merge_invalid(label(id) + " already ended on " + to->iso());
}

}  // namespace

bool unit_in_force(const Record& unit, Date on) {
    if (unit.deleted()) return false;
    const auto from = date_field(unit, "valid_from");
    const auto to = date_field(unit, "valid_to");
    return (!from || *from <= on) && (!to || on <= *to);
}

LocalTransaction plan_unit_merge(Store& store, const UnitMerge& m) {
    if (m.old_units.empty()) merge_invalid("a merge needs at least one old unit");
    if (std::set<std::string>(m.old_units.begin(), m.old_units.end()).size() != m.old_units.size())
        merge_invalid("an old unit is listed twice");
    if (!is_uuid(m.new_unit_id))
        merge_invalid("new unit id '" + m.new_unit_id + "' is not a lowercase UUID");
    if (m.code.empty() || m.name.empty()) merge_invalid("the new unit needs a code and a name");
    if (std::find(m.old_units.begin(), m.old_units.end(), m.new_unit_id) != m.old_units.end())
        merge_invalid("the new unit cannot be one of the old units");
    if (store.read(kUnits, m.new_unit_id))
        throw Error(ErrorKind::conflict, errc::unit_exists,
                    label(m.new_unit_id) + " already exists");

    std::string level;
    std::optional<std::string> common_parent;
    bool parents_agree = true;
    for (size_t i = 0; i < m.old_units.size(); ++i) {
        const std::string& id = m.old_units[i];
        const Record u = require_unit(store, id);
        require_ending_unit(u, id, m.effective);
        const std::string l = text_field(u, "level");
        if (i == 0) level = l;
        if (l != level)
            merge_invalid("old units of different levels: " + level + " and " + l + " (" +
                          label(id) + ")");
        const std::string p = text_field(u, "parent");
        if (i == 0)
            common_parent = p;
        else if (p != *common_parent)
            parents_agree = false;
    }

    std::string parent;
    if (m.parent) {
        parent = *m.parent;
        const Record p = require_unit(store, parent);
        if (!unit_in_force(p, m.effective))
            merge_invalid("parent " + label(parent) + " is not in force on " + m.effective.iso());
    } else {
        if (!parents_agree || !common_parent || common_parent->empty())
            merge_invalid("the old units have no common parent: give the new unit's parent");
        const Record p = require_unit(store, *common_parent);
        if (!unit_in_force(p, m.effective))
            merge_invalid("the old units' parent " + label(*common_parent) +
                          " is not in force on " + m.effective.iso() +
                          ": give the new unit's parent");
        parent = *common_parent;
    }

    // The code must not collide with a unit of the same level still in force on that day.
    for (const Record& other : store.query(kUnits, {FieldFilter{"code", m.code}}, 1000))
        if (text_field(other, "level") == level && unit_in_force(other, m.effective) &&
            std::find(m.old_units.begin(), m.old_units.end(), other.id) == m.old_units.end())
            throw Error(
                ErrorKind::conflict, errc::unit_exists,
                "code " + m.code + " is held by " + label(other.id) + " on " + m.effective.iso());

    LocalTransaction txn;
    FieldValues fresh{{"code", m.code},
                      {"name", m.name},
                      {"level", level},
                      {"parent", parent},
                      {"valid_from", m.effective.iso()}};
    if (!m.decision_ref.empty()) fresh["decision_ref"] = m.decision_ref;
    txn.put(kUnits, m.new_unit_id, fresh);
    const std::string last_day = m.effective.add_days(-1).iso();
    for (const std::string& id : m.old_units)
        txn.put(kUnits, id, {{"valid_to", last_day}, {"successor", m.new_unit_id}});
    return txn;
}

LocalTransaction plan_unit_end(Store& store, const UnitEnd& end) {
    if (end.units.empty()) merge_invalid("no units to end");
    if (std::set<std::string>(end.units.begin(), end.units.end()).size() != end.units.size())
        merge_invalid("a unit is listed twice");
    if (end.successor) {
        if (std::find(end.units.begin(), end.units.end(), *end.successor) != end.units.end())
            merge_invalid("a unit cannot succeed itself");
        const Record s = require_unit(store, *end.successor);
        if (!unit_in_force(s, end.effective))
            merge_invalid("successor " + label(*end.successor) + " is not in force on " +
                          end.effective.iso());
    }
    LocalTransaction txn;
    const std::string last_day = end.effective.add_days(-1).iso();
    for (const std::string& id : end.units) {
        const Record u = require_unit(store, id);
        require_ending_unit(u, id, end.effective);
        FieldValues f{{"valid_to", last_day}};
        if (end.successor) f["successor"] = *end.successor;
        txn.put(kUnits, id, f);
    }
    return txn;
}

std::string unit_for_new_work(Store& store, std::string_view unit_id, std::optional<Date> on) {
    std::string id(unit_id);
    std::set<std::string> seen;
    for (;;) {
        if (!seen.insert(id).second)
            throw Error(ErrorKind::conflict, errc::unit_successor_cycle,
                        "the successors of " + label(std::string(unit_id)) + " form a cycle at " +
                            label(id));
        const Record u = require_unit(store, id);
        const auto to = date_field(u, "valid_to");
        const std::string next = text_field(u, "successor");
        const bool ended = on ? (to && *to < *on) : (to.has_value() || !next.empty());
        if (!ended) return id;
        if (next.empty())
            throw Error(ErrorKind::not_found, errc::unit_no_successor,
                        label(id) + " ended on " + (to ? to->iso() : std::string("?")) +
                            " without a successor");
        id = next;
    }
}

}  // namespace ocop::domain
