// A role held on an administrative unit: a plain pair the protocol carries and the device keeps.
// It lives in the core because both the sync engine (which only passes it on) and the OCOP
// domain (which decides what a grant allows and covers: domain::PermissionChecker,
// domain::UnitScopePolicy) name it, and neither may depend on the other for it.
#pragma once

#include <string>

namespace ocop {

struct Grant {
    std::string role;  // a role of the domain's permission table
    std::string unit;  // an admin_unit record id; the grant covers the units below it too

    friend bool operator==(const Grant&, const Grant&) = default;
};

}  // namespace ocop
