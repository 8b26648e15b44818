// Administrative re-organisation as data. Units merge (e.g. three communes into one from
// 2025-07-01) and levels disappear (districts, 2025-07-01); history keeps every old unit with its
// `valid_to` and `successor`, old records keep the unit they were made under, and new work goes
// to the successor. The planners are pure: they read the store and return the edits as one
// LocalTransaction for the caller (the server's replica) to commit, so the re-organisation is
// ordinary stamped changesets that sync to every device.
//
// Dates: `valid_from` is the first day a unit exists, `valid_to` the last (inclusive). A merge
// effective on 2025-07-01 gives the new unit valid_from 2025-07-01 and the old ones valid_to
// 2025-06-30.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"
#include "ocop/domain/date.hpp"

namespace ocop::domain {

struct UnitMerge {
    std::vector<std::string> old_units;  // admin_unit ids, at least one, all of one level
    std::string new_unit_id;             // a UUID the caller generated (seeded for determinism)
    std::string code;                    // the new unit's code (Decision 19/2025/QĐ-TTg)
    std::string name;
    Date effective;  // the new unit's valid_from
    // The new unit's parent. When unset, the old units' common parent, provided it is itself in
    // force on `effective` (give the province explicitly when the old parent, a district, ends).
    std::optional<std::string> parent;
    std::string decision_ref;  // the re-organisation decision, e.g. "1656/NQ-UBTVQH15"
};

// The edits of a merge: the new unit {code, name, level (the old units'), parent, valid_from,
// decision_ref}; each old unit {valid_to = effective - 1 day, successor = new unit}. Throws
// Error: ocop.unit_merge_invalid (no old units, duplicates, mixed levels, no parent, a unit that
// starts on or after the effective date or has already ended before it), record.not_found /
// record.deleted (an old unit), ocop.unit_already_merged (an old unit with a successor),
// ocop.unit_exists (the new id is taken, or a unit in force carries the new code at that level).
LocalTransaction plan_unit_merge(Store& store, const UnitMerge& merge);

// Units that end without merging into a unit of their own level (districts on 2025-07-01): each
// gets valid_to = effective - 1 day and, when given, `successor` (e.g. the province), so that
// unit_for_new_work still has an answer.
struct UnitEnd {
    std::vector<std::string> units;
    Date effective;  // the first day they no longer exist
    std::optional<std::string> successor;
};
LocalTransaction plan_unit_end(Store& store, const UnitEnd& end);

// True if the unit record exists on `on` (valid_from <= on <= valid_to).
bool unit_in_force(const Record& unit, Date on);

// Which unit new work goes to: follows `successor` links from `unit_id`. With `on`, only
// through units that have ended before that day (a merge planned for later does not move work
// yet). Throws record.not_found, ocop.unit_no_successor (the unit ended without a successor)
// or ocop.unit_successor_cycle.
std::string unit_for_new_work(Store& store, std::string_view unit_id,
                              std::optional<Date> on = std::nullopt);

}  // namespace ocop::domain
