#include "ocop/sdk/deadlines.hpp"

#include <algorithm>

#include "ocop/domain/rule_sets.hpp"
#include "ocop/domain/working_calendar.hpp"

namespace ocop::sdk {

namespace {

constexpr size_t kPage = 1000;

template <class Fn>
void each_record(Database& db, const std::string& collection, Fn&& fn) {
    std::string after;
    for (;;) {
        const Page page = db.list_page(collection, {}, kPage, after);
        for (const auto& r : page.records)
            if (!r.deleted()) fn(r);
        if (!page.more || page.records.empty()) break;
        after = page.records.back().id;
    }
}

}  // namespace

std::vector<DueItem> running_deadlines(Database& db, domain::Date today) {
    const auto& rule_sets = domain::builtin_rule_sets();
    const auto& cal = domain::builtin_calendar();
    std::vector<DueItem> out;
    for (std::string_view collection : domain::deadline_collections)
        each_record(db, std::string(collection), [&](const Record& r) {
            for (auto& d : domain::running_deadlines(rule_sets, cal, r)) {
                const auto status = domain::due_status(cal, d.due, today);
                out.push_back({std::move(d), status});
            }
        });
    std::sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) {
        if (a.deadline.due != b.deadline.due) return a.deadline.due < b.deadline.due;
        return a.deadline.record_id < b.deadline.record_id;
    });
    return out;
}

std::vector<DueItem> overdue_deadlines(Database& db, domain::Date today) {
    auto all = running_deadlines(db, today);
    std::erase_if(all, [](const DueItem& i) { return !i.status.overdue; });
    return all;  // soonest due first = most overdue first
}

nlohmann::json to_json(const DueItem& item) {
    const auto& d = item.deadline;
    return {{"rule", d.rule},
            {"source", d.source},
            {"title_vi", d.title_vi},
            {"collection", d.collection},
            {"id", d.record_id},
            {"rule_set", d.rule_set},
            {"starts", d.starts.iso()},
            {"due", d.due.iso()},
            {"due_in_working_days", item.status.working_days_left},
            {"due_in_days", item.status.calendar_days_left},
            {"overdue", item.status.overdue},
            {"provisional", item.status.provisional},
            {"text_vi", domain::due_text_vi(item.status)}};
}

}  // namespace ocop::sdk
