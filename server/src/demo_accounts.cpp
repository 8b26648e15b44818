#include "ocop/server/demo_accounts.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::server {

namespace {

// The first unit in force (no valid_to) of `level` under `parent` (any parent when empty), by code.
std::optional<Record> unit_in_force(Store& store, const std::string& level,
                                    const std::string& parent) {
    std::vector<FieldFilter> filters{{"level", level}};
    if (!parent.empty()) filters.push_back({"parent", parent});
    std::optional<Record> best;
    for (auto& unit : store.query("admin_unit", filters, 10000, {})) {
        if (!unit.get("valid_to").is_null()) continue;
        if (!best || unit.get("code").get<std::string>() < best->get("code").get<std::string>())
            best = std::move(unit);
    }
    return best;
}

}  // namespace

DemoAccounts ensure_demo_accounts(Server& server) {
    const auto province = unit_in_force(server.store(), "province", "");
    const auto commune =
        province ? unit_in_force(server.store(), "commune", province->id) : std::nullopt;
    if (!province || !commune)
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "the demo accounts need a province with a commune in force: seed the demo "
                    "province first");
    DemoAccounts out;
    out.province = province->id;
    out.commune = commune->id;
    out.commune_name = commune->get("name").get<std::string>();
    AccountStore& accounts = server.accounts();
    for (const char* user : {demo_user, demo_commune_user})
        if (!accounts.has_user(user)) {
            accounts.add_user(user, demo_password);
            out.created.emplace_back(user);
        }
    for (const char* role : {"provincial_staff", "team_lead", "council_secretary", "administrator"})
        accounts.add_grant(demo_user, {role, out.province});
    for (const char* role : {"commune_officer", "inspector"})
        accounts.add_grant(demo_commune_user, {role, out.commune});
    return out;
}

}  // namespace ocop::server
