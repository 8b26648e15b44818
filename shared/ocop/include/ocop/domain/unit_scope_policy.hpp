// The sync engine's ScopePolicy for OCOP: a record belongs to the administrative unit its `unit`
// field names, a grant covers its unit and every unit below it, and reference collections
// (admin_unit) go to every device. The server hands it to SyncService, the SDK to SyncClient.
#pragma once

#include "ocop/domain/permission_rule.hpp"
#include "ocop/domain/permissions.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::domain {

class UnitScopePolicy final : public sync::ScopePolicy {
  public:
    explicit UnitScopePolicy(const PermissionTable& table = PermissionTable::builtin())
        : table_(table) {}

    std::unique_ptr<sync::RecordScope> scope(
        RecordReader read, const std::vector<Grant>& grants,
        const std::optional<std::vector<std::string>>& only_units) const override;
    // Reference collections, and records whose unit is granted or lies below a granted unit
    // (the units reached from the granted ones through child links: one query per unit).
    std::optional<ChangeSelector> selector(
        Store& store, const std::vector<Grant>& grants,
        const std::optional<std::vector<std::string>>& only_units) const override;
    // The `unit` field, and the reference collections (which every selector keeps).
    std::optional<ScopeIndex> scope_index() const override;
    std::vector<std::string> covered_units(Store& store,
                                           const std::vector<Grant>& grants) const override;
    size_t evict(StoreTxn& txn, const std::vector<std::string>& keep) const override;
    void scope_like(StoreTxn& txn, std::string_view collection, std::string_view id,
                    FieldValues& fields) const override;

  private:
    const PermissionTable& table_;
};

// The policy over the built-in permission table; it holds no state, so one serves every
// server and device of the process.
const UnitScopePolicy& builtin_scope_policy();

}  // namespace ocop::domain
