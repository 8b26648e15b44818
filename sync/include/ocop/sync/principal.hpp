// Who sent a request, as established by the server's authentication (the device token), and
// the roles that user holds on administrative units.
#pragma once

#include <string>
#include <vector>

#include "ocop/core/grant.hpp"

namespace ocop::sync {

using Grant = ocop::Grant;

struct Principal {
    std::string user;
    std::string device_id;
    std::string replica;  // the replica id the device enrolled with
    std::vector<Grant> grants = {};
};

}  // namespace ocop::sync
