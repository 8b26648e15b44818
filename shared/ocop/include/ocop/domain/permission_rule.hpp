// The permission table applied: to every change of a changeset (PermissionChecker: the server
// runs it on every push, the device before storing a write) and to what a device may hold
// (RecordVisibility: the server filters pulls with it, the device evicts with it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/changeset_rule.hpp"
#include "ocop/core/store.hpp"
#include "ocop/domain/grant.hpp"
#include "ocop/domain/permissions.hpp"
#include "ocop/domain/unit_coverage.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::domain {

// Also the sync engine's PrincipalRule: the server's RulesGuard hands it the sender's grants.
class PermissionChecker final : public sync::PrincipalRule {
  public:
    explicit PermissionChecker(const PermissionTable& table = PermissionTable::builtin())
        : table_(table), schema_(builtin_schema()) {}

    // Throws Error for the first record change the grants do not allow, with a message naming
    // the collection, record, unit, operation and field:
    //   perm.unit_not_covered  no grant covers the record's unit (stored, also of a deleted
    //                          record, or new), or it has none; of a stored record or one
    //                          without a unit the message says only "may not write it"
    //   perm.operation_denied  the roles covering the unit may not create/update/delete it
    //   perm.state_denied      ... not in the record's current state (a closed evaluation)
    //   perm.field_denied      ... not this field (lab results only, for provincial staff)
    //   perm.sign_denied       signing (status=signed, signed_by...) needs a role that signs
    //   perm.reference_not_covered  a reference (finding.inspection, ...) the change writes
    //                          points at a record the grants do not cover or that does not
    //                          exist, or one it keeps points at a record they do not cover;
    //                          the message is the same in every case
    // Writing a value equal to the stored one is not a change. Writing `_deleted = false` to a
    // deleted record is the operation `undelete`.
    void check(StoreTxn& txn, const Changeset& cs, const std::vector<Grant>& grants) const;
    void check_sender(StoreTxn& txn, const Changeset& cs,
                      const sync::Principal& who) const override {
        check(txn, cs, who.grants);
    }

    const PermissionTable& table() const noexcept { return table_; }

  private:
    void check_operations(const RecordChange& rc, const std::vector<Operation>& operations,
                          const std::vector<std::string>& fields, const std::string& state,
                          const std::vector<std::string>& units,
                          std::map<std::string, UnitCoverage, std::less<>>& by_role) const;
    void check_references(StoreTxn& txn, const Changeset& cs, const RecordChange& rc,
                          UnitCoverage& coverage) const;

    const PermissionTable& table_;
    const Schema& schema_;
};

// The device's copy of the server's check, with the grants the server last reported for the
// device's user, so that the officer learns at once what the server would refuse. Before the
// first sync the grants are unknown and the device checks nothing: the server decides.
class DevicePermissionRule final : public ChangesetRule {
  public:
    explicit DevicePermissionRule(const PermissionChecker& checker) : checker_(checker) {}
    void set_grants(std::optional<std::vector<Grant>> grants);
    std::optional<std::vector<Grant>> grants() const;
    void check(StoreTxn& txn, const Changeset& cs) const override;

  private:
    const PermissionChecker& checker_;
    mutable std::mutex mutex_;
    std::optional<std::vector<Grant>> grants_;
};

// What a user's device may hold: every record of a reference collection (admin_unit), and a
// record of any other collection when a grant of any role covers its unit. With `only_units`,
// just the records of those units (and what they cover), still within the grants: the backfill
// a device runs when its user gains a unit.
class RecordVisibility {
  public:
    // How to read a record: a store's read, or a transaction's inside one.
    using RecordReader =
        std::function<std::optional<Record>(std::string_view collection, std::string_view id)>;

    RecordVisibility(RecordReader read, const std::vector<Grant>& grants,
                     const std::optional<std::vector<std::string>>& only_units = std::nullopt,
                     const PermissionTable& table = PermissionTable::builtin());
    // Reading through `store`.
    RecordVisibility(Store& store, const std::vector<Grant>& grants,
                     const std::optional<std::vector<std::string>>& only_units = std::nullopt,
                     const PermissionTable& table = PermissionTable::builtin());

    RecordVisibility(const RecordVisibility&) = delete;  // its coverage reads through read_
    RecordVisibility& operator=(const RecordVisibility&) = delete;

    // `known_unit`, when given, is the record's current unit (a pull page often carries it),
    // which spares reading the record.
    bool visible(std::string_view collection, std::string_view id,
                 const Value* known_unit = nullptr);
    bool unit_visible(const std::string& unit);

  private:
    RecordReader read_;
    const PermissionTable& table_;
    UnitCoverage coverage_;
    std::optional<UnitCoverage> only_;
    std::map<std::string, bool, std::less<>> by_record_;  // "collection/id" -> visible
};

// The unit ids a device keeps when it evicts: the granted ids and every admin_unit record of
// `store` the grants cover.
std::vector<std::string> covered_units(Store& store, const std::vector<Grant>& grants);

}  // namespace ocop::domain
