// Who may do what: the permission table (data: shared/ocop/permissions/permissions.json,
// compiled in) and the rule that applies it to every changeset, on the device before it stores
// a write (so the officer is told at once) and on the server before it applies a push (the
// server trusts no device).
//
// A user holds roles on administrative units; a grant on a unit covers the unit and every unit
// below it (admin_unit.parent). Every collection except the reference collections has a `unit`
// field: a change to a record needs a grant covering the record's unit (its stored unit and, if
// the change moves it, the new one too) with a role the table allows for the operation
// (create, update, delete, sign, undelete), on each field written, in the record's stored state.
// A deleted record keeps its unit and state: a write to it is judged like a write to a live
// record, and bringing it back (writing `_deleted = false`) is the operation `undelete`.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/changeset_rule.hpp"
#include "ocop/core/store.hpp"
#include "ocop/domain/grant.hpp"

namespace ocop::domain {

enum class Operation { create, update, remove, sign, undelete };
std::string_view to_string(Operation op) noexcept;

// One line of the table: these roles may do these operations on the collection, on these fields
// (empty: any field), when the stored record's state field is one of `states` (empty: any).
struct PermissionGrant {
    std::set<std::string, std::less<>> roles;
    std::set<Operation> operations;
    std::set<std::string, std::less<>> fields;
    std::set<std::string, std::less<>> states;
};

struct CollectionPermissions {
    bool reference = false;  // pulled by every device whatever its units (admin_unit)
    // Signing: writing any of `sign_fields`, or setting `state_field` to `signed_state`.
    std::string state_field;  // e.g. "status"; empty: the collection has no states
    std::string signed_state;
    std::set<std::string, std::less<>> sign_fields;
    std::vector<PermissionGrant> grants;
};

class PermissionTable {
  public:
    // The built-in table. Parsed once per call site that keeps it; cheap to share by reference.
    static const PermissionTable& builtin();
    // Throws Error(ocop.permissions_invalid) for a malformed table or one naming an unknown role,
    // operation or collection.
    static PermissionTable parse(std::string_view json);

    const std::map<std::string, std::string, std::less<>>& roles() const { return roles_; }
    bool is_role(std::string_view role) const { return roles_.count(role) != 0; }
    // Throws Error(auth.unknown_role) naming the known roles.
    void require_role(std::string_view role) const;
    // Null for a collection the table does not list (nobody may write it from a device).
    const CollectionPermissions* collection(std::string_view name) const;
    bool is_reference(std::string_view collection) const;
    // The collections whose records belong to a unit (all but the reference ones).
    std::vector<std::string> unit_scoped_collections() const;
    // The reference collections: every device holds all of their records.
    std::vector<std::string> reference_collections() const;
    // May `role` do `op` on `collection`, writing `fields`, on a record in state `state` (the
    // stored one; for a new record the one it is created in)? When not, the closest reason:
    // a line for the role and operation exists but excludes the state, or a field.
    enum class Decision { allowed, operation_denied, state_denied, field_denied };
    Decision decide(std::string_view role, std::string_view collection, Operation op,
                    const std::vector<std::string>& fields, std::string_view state) const;

  private:
    std::map<std::string, std::string, std::less<>> roles_;  // role -> description
    std::map<std::string, CollectionPermissions, std::less<>> collections_;
};

}  // namespace ocop::domain
