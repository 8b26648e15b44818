// The demo accounts of `ocop-server --demo`, on the demo province: `demo` holds every role on the
// province (it sees and may do everything a province does), `demo.xa` is a commune officer and
// inspector of one commune (its device holds only that commune). Both use demo_password.
#pragma once

#include <string>
#include <vector>

#include "ocop/server/server.hpp"

namespace ocop::server {

inline constexpr const char* demo_user = "demo";
inline constexpr const char* demo_commune_user = "demo.xa";
inline constexpr const char* demo_password = "demo-password-123";

struct DemoAccounts {
    std::string province;  // admin_unit ids
    std::string commune;
    std::string commune_name;
    std::vector<std::string> created;  // users created by this call (none when they existed)
};

// Creates the demo users if missing and gives them their grants (again if removed). Throws
// Error(record.not_found) when the store holds no province in force (seed it first).
DemoAccounts ensure_demo_accounts(Server& server);

}  // namespace ocop::server
