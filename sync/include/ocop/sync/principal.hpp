// Who sent a request, as established by the server's authentication (the device token).
#pragma once

#include <string>

namespace ocop::sync {

struct Principal {
    std::string user;
    std::string device_id;
    std::string replica;  // the replica id the device enrolled with
};

}  // namespace ocop::sync
