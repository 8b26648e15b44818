// A role held on an administrative unit. The grant covers the unit and every unit below it
// (admin_unit.parent links). The type itself is the core's (ocop/core/grant.hpp), shared with the
// sync engine, which carries grants without knowing what they allow.
#pragma once

#include "ocop/core/grant.hpp"

namespace ocop::domain {

using Grant = ocop::Grant;

}  // namespace ocop::domain
