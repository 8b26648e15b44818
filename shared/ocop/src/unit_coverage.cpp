#include "ocop/domain/unit_coverage.hpp"

#include <deque>

namespace ocop::domain {

namespace {
// Administrative trees are shallow (province, district, commune, and a few merges): a walk that
// visits more units than this is following a corrupt cycle and stops.
constexpr size_t max_units_walked = 256;
}  // namespace

bool UnitCoverage::covers(std::string_view unit) {
    if (unit.empty()) return false;
    if (granted_.count(unit)) return true;
    if (const auto it = known_.find(unit); it != known_.end()) return it->second;

    std::set<std::string, std::less<>> seen{std::string(unit)};
    std::deque<std::string> todo{std::string(unit)};
    bool covered = false;
    while (!todo.empty() && !covered && seen.size() <= max_units_walked) {
        const std::string id = todo.front();
        todo.pop_front();
        const auto record = read_(id);
        if (!record || record->deleted()) continue;
        for (const char* link : {"parent", "successor"}) {
            const Value& next = record->get(link);
            if (!next.is_string()) continue;
            const std::string& next_id = next.get_ref<const std::string&>();
            if (granted_.count(next_id)) {
                covered = true;
                break;
            }
            if (const auto it = known_.find(next_id); it != known_.end() && it->second) {
                covered = true;
                break;
            }
            if (seen.insert(next_id).second) todo.push_back(next_id);
        }
    }
    known_[std::string(unit)] = covered;
    return covered;
}

}  // namespace ocop::domain
