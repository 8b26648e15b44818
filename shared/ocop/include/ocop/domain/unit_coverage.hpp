// Which administrative units a set of grants covers. A grant on a unit covers the unit, every
// unit below it (admin_unit.parent) and every unit that merged into it or into one of those
// (admin_unit.successor): the officer of a commune formed by a 2025 merger holds the records the
// old communes made, which keep their old unit.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ocop/core/store.hpp"

namespace ocop::domain {

class UnitCoverage {
  public:
    // How to read an admin_unit record: the store's or a transaction's read.
    using UnitReader = std::function<std::optional<Record>(std::string_view id)>;

    UnitCoverage(std::set<std::string, std::less<>> granted, UnitReader read)
        : granted_(std::move(granted)), read_(std::move(read)) {}

    // True if `unit` is granted or reaches a granted unit through parent and successor links.
    // Answers are remembered: one object serves one transaction or one pull.
    bool covers(std::string_view unit);
    const std::set<std::string, std::less<>>& granted() const noexcept { return granted_; }

  private:
    std::set<std::string, std::less<>> granted_;
    UnitReader read_;
    std::map<std::string, bool, std::less<>> known_;
};

}  // namespace ocop::domain
