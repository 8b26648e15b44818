// The deadlines the records on this device are running (Decision 26/2026 Art. 7.2, 7.6.g, 8.4,
// 12.2), as an officer sees them: "còn N ngày làm việc", and the overdue ones. Built on Database's
// public reads and the domain's deadline rules (ocop/domain/deadlines.hpp), so apps, the C ABI
// and ocop-field give the same answers.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/domain/deadlines.hpp"
#include "ocop/sdk/database.hpp"

namespace ocop::sdk {

struct DueItem {
    domain::RunningDeadline deadline;
    domain::DueStatus status;
};

// Every running deadline on the device on `today`, soonest due first (ties by record id). A
// deadline that reaches a year the calendar lacks throws ocop.calendar_year_missing.
std::vector<DueItem> running_deadlines(Database& db, domain::Date today);
// Those past their due day on `today`, most overdue first.
std::vector<DueItem> overdue_deadlines(Database& db, domain::Date today);

// {"rule", "source", "title_vi", "collection", "id", "rule_set", "starts", "due",
//  "due_in_working_days", "due_in_days", "overdue", "provisional", "text_vi"}
nlohmann::json to_json(const DueItem& item);

}  // namespace ocop::sdk
