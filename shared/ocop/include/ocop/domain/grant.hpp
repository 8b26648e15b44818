// A role held on an administrative unit. The grant covers the unit and every unit below it
// (admin_unit.parent links).
#pragma once

#include <string>

namespace ocop::domain {

struct Grant {
    std::string role;  // a role of the permission table (permissions.hpp)
    std::string unit;  // an admin_unit record id

    friend bool operator==(const Grant&, const Grant&) = default;
};

}  // namespace ocop::domain
