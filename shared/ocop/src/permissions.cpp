#include "ocop/domain/permissions.hpp"

#include <nlohmann/json.hpp>

#include "builtin_domain_data.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/domain_error_codes.hpp"

namespace ocop::domain {

using nlohmann::json;

std::string_view to_string(Operation op) noexcept {
    switch (op) {
        case Operation::create:
            return "create";
        case Operation::update:
            return "update";
        case Operation::remove:
            return "delete";
        case Operation::sign:
            return "sign";
        case Operation::undelete:
            return "undelete";
    }
    return "?";
}

namespace {

[[noreturn]] void invalid(const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::permissions_invalid, "permission table: " + what);
}

std::set<std::string, std::less<>> string_set(const json& obj, const char* key,
                                              const std::string& where) {
    std::set<std::string, std::less<>> out;
    const auto it = obj.find(key);
    if (it == obj.end()) return out;
    if (!it->is_array()) invalid(where + ": '" + key + "' must be an array of strings");
    for (const auto& v : *it) {
        if (!v.is_string()) invalid(where + ": '" + key + "' must be an array of strings");
        out.insert(v.get<std::string>());
    }
    return out;
}

std::string text_or_empty(const json& obj, const char* key, const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end()) return {};
    if (!it->is_string()) invalid(where + ": '" + key + "' must be a string");
    return it->get<std::string>();
}

Operation operation_from(const std::string& name, const std::string& where) {
    if (name == "create") return Operation::create;
    if (name == "update") return Operation::update;
    if (name == "delete") return Operation::remove;
    if (name == "sign") return Operation::sign;
    if (name == "undelete") return Operation::undelete;
    invalid(where + ": unknown operation '" + name + "'");
}

}  // namespace

const PermissionTable& PermissionTable::builtin() {
    // Immutable after construction (thread-safe static initialisation): shared reference data,
    // like the compiled-in schema.
    static const PermissionTable table = [] {
        const auto files = detail::builtin_data_files("permissions/permissions.json");
        if (files.size() != 1) invalid("permissions/permissions.json is not compiled in");
        return parse(files.front().text);
    }();
    return table;
}

PermissionTable PermissionTable::parse(std::string_view text) {
    const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) invalid("not a JSON object");
    if (doc.value("version", 0) != 1) invalid("unknown version (expected 1)");
    PermissionTable table;
    const auto roles = doc.find("roles");
    if (roles == doc.end() || !roles->is_object() || roles->empty())
        invalid("'roles' must be a non-empty object");
    for (const auto& [name, description] : roles->items()) {
        if (!description.is_string()) invalid("role '" + name + "': description must be a string");
        table.roles_[name] = description.get<std::string>();
    }
    const Schema& schema = builtin_schema();
    const auto collections = doc.find("collections");
    if (collections == doc.end() || !collections->is_object())
        invalid("'collections' must be an object");
    for (const auto& [name, body] : collections->items()) {
        const std::string where = "collection '" + name + "'";
        const CollectionDef* def = schema.collection(name);
        if (!def) invalid(where + " is not in the schema");
        if (!body.is_object()) invalid(where + " must be an object");
        CollectionPermissions perms;
        perms.reference = body.value("reference", false);
        perms.state_field = text_or_empty(body, "state_field", where);
        perms.signed_state = text_or_empty(body, "signed_state", where);
        perms.sign_fields = string_set(body, "sign_fields", where);
        auto known_field = [&](const std::string& field) {
            if (!def->field(field)) invalid(where + ": unknown field '" + field + "'");
        };
        if (!perms.state_field.empty()) known_field(perms.state_field);
        if (!perms.signed_state.empty() && perms.state_field.empty())
            invalid(where + ": 'signed_state' needs a 'state_field'");
        for (const auto& f : perms.sign_fields) known_field(f);
        if (!perms.reference && !def->field("unit"))
            invalid(where + " has no 'unit' field: only reference collections may lack one");
        const auto grants = body.find("grants");
        if (grants == body.end() || !grants->is_array())
            invalid(where + ": 'grants' must be an array");
        for (const auto& g : *grants) {
            if (!g.is_object()) invalid(where + ": a grant must be an object");
            PermissionGrant grant;
            grant.roles = string_set(g, "roles", where);
            for (const auto& role : grant.roles)
                if (!table.is_role(role)) invalid(where + ": unknown role '" + role + "'");
            for (const auto& op : string_set(g, "operations", where))
                grant.operations.insert(operation_from(op, where));
            grant.fields = string_set(g, "fields", where);
            for (const auto& f : grant.fields) known_field(f);
            grant.states = string_set(g, "states", where);
            if (grant.roles.empty() || grant.operations.empty())
                invalid(where + ": a grant needs roles and operations");
            if (grant.operations.count(Operation::sign) && perms.sign_fields.empty() &&
                perms.signed_state.empty())
                invalid(where + ": 'sign' needs 'sign_fields' or 'signed_state'");
            perms.grants.push_back(std::move(grant));
        }
        table.collections_[name] = std::move(perms);
    }
    return table;
}

const CollectionPermissions* PermissionTable::collection(std::string_view name) const {
    const auto it = collections_.find(name);
    return it == collections_.end() ? nullptr : &it->second;
}

bool PermissionTable::is_reference(std::string_view collection) const {
    const auto* perms = this->collection(collection);
    return perms && perms->reference;
}

void PermissionTable::require_role(std::string_view role) const {
    if (is_role(role)) return;
    std::string known;
    for (const auto& [name, description] : roles_) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::invalid_input, ocop::errc::auth_unknown_role,
                "unknown role '" + std::string(role) + "'; the roles are: " + known);
}

std::vector<std::string> PermissionTable::unit_scoped_collections() const {
    std::vector<std::string> out;
    for (const auto& [name, perms] : collections_)
        if (!perms.reference) out.push_back(name);
    return out;
}

std::vector<std::string> PermissionTable::reference_collections() const {
    std::vector<std::string> out;
    for (const auto& [name, perms] : collections_)
        if (perms.reference) out.push_back(name);
    return out;
}

PermissionTable::Decision PermissionTable::decide(std::string_view role,
                                                  std::string_view collection, Operation op,
                                                  const std::vector<std::string>& fields,
                                                  std::string_view state) const {
    const auto* perms = this->collection(collection);
    if (!perms) return Decision::operation_denied;
    Decision best = Decision::operation_denied;
    for (const auto& grant : perms->grants) {
        if (!grant.roles.count(role) || !grant.operations.count(op)) continue;
        // A state list applies to records that have a state; a new record is judged by the state
        // it is created in.
        if (!grant.states.empty() && !state.empty() && !grant.states.count(state)) {
            best = Decision::state_denied;
            continue;
        }
        bool fields_ok = true;
        if (!grant.fields.empty())
            for (const auto& f : fields)
                if (!grant.fields.count(f)) fields_ok = false;
        if (fields_ok) return Decision::allowed;
        if (best == Decision::operation_denied) best = Decision::field_denied;
    }
    return best;
}

}  // namespace ocop::domain
