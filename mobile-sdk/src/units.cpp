#include "ocop/sdk/units.hpp"

#include <algorithm>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/admin_units.hpp"

namespace ocop::sdk {

namespace {

// A province has a few hundred units; read them all in pages of this size.
constexpr size_t kUnitPage = 1000;

std::vector<Record> read_units(Database& db, const std::vector<FieldFilter>& filters) {
    std::vector<Record> out;
    std::string after;
    for (;;) {
        auto page = db.list("admin_unit", filters, kUnitPage, after);
        if (page.empty()) break;
        after = page.back().id;
        const bool last = page.size() < kUnitPage;
        for (auto& r : page)
            if (!r.deleted()) out.push_back(std::move(r));
        if (last) break;
    }
    return out;
}

std::string text_of(const Record& r, std::string_view field) {
    const Value& v = r.get(field);
    return v.is_string() ? v.get<std::string>() : std::string();
}

void sort_by_code(std::vector<Record>& units) {
    std::sort(units.begin(), units.end(), [](const Record& a, const Record& b) {
        return text_of(a, "code") < text_of(b, "code");
    });
}

std::vector<FieldFilter> level_filter(std::string_view level) {
    if (level.empty()) return {};
    return {{"level", std::string(level)}};
}

}  // namespace

std::vector<Record> all_units(Database& db, std::string_view level) {
    auto out = read_units(db, level_filter(level));
    sort_by_code(out);
    return out;
}

std::vector<Record> units_in_force(Database& db, domain::Date on, std::string_view level) {
    std::vector<Record> out;
    for (auto& u : read_units(db, level_filter(level)))
        if (domain::unit_in_force(u, on)) out.push_back(std::move(u));
    sort_by_code(out);
    return out;
}

std::string unit_id_by_code(Database& db, std::string_view code, domain::Date on) {
    std::vector<Record> found;
    for (auto& u : read_units(db, {{"code", std::string(code)}}))
        if (domain::unit_in_force(u, on)) found.push_back(std::move(u));
    if (found.empty())
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no administrative unit with code " + std::string(code) + " is in force on " +
                        on.iso() + " (ocop-field units lists the units in force)");
    if (found.size() > 1)
        throw Error(ErrorKind::invalid_input, errc::value_bad_format,
                    "code " + std::string(code) + " names " + std::to_string(found.size()) +
                        " units in force; give the unit's id instead");
    return found.front().id;
}

std::vector<std::string> unit_with_predecessors(Database& db, std::string_view unit_id) {
    std::vector<std::string> out{std::string(unit_id)};
    std::set<std::string, std::less<>> seen{std::string(unit_id)};
    // Breadth first over `successor` links pointing back at what is already collected; the
    // `seen` set ends a cycle a bad merge could have written.
    for (size_t i = 0; i < out.size(); ++i) {
        const std::string current = out[i];
        for (const auto& u : read_units(db, {{"successor", current}}))
            if (seen.insert(u.id).second) out.push_back(u.id);
    }
    return out;
}

std::vector<Record> list_in_unit(Database& db, const std::string& collection,
                                 const std::string& unit_id,
                                 const std::vector<FieldFilter>& filters, size_t limit,
                                 const std::string& after_id) {
    std::vector<Record> merged;
    for (const auto& unit : unit_with_predecessors(db, unit_id)) {
        auto with_unit = filters;
        with_unit.push_back({"unit", unit});
        // Each unit's first `limit` records after the cursor are enough for the merged page.
        for (auto& r : db.list(collection, with_unit, limit, after_id))
            merged.push_back(std::move(r));
    }
    std::sort(merged.begin(), merged.end(),
              [](const Record& a, const Record& b) { return a.id < b.id; });
    if (limit != 0 && merged.size() > limit) merged.resize(limit);
    return merged;
}

}  // namespace ocop::sdk
