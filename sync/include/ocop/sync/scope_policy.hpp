// What the sync engine needs to know about grants without knowing what they mean. The engine
// carries grants (role, unit id) and cells; which records a grant lets a device hold, through
// which field, and who may write what, is the domain's (ocop_domain implements these:
// domain::UnitScopePolicy, domain::PermissionChecker, domain::SigningRule). The server and the
// SDK hand the implementations in; ocop_sync links no domain code, so a dependency running the
// other way fails to compile and link.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"

namespace ocop::sync {

// A check of a changeset that needs to know who sent it (the authenticated user and grants),
// which a plain ChangesetRule does not. Throws ocop::Error to refuse.
class PrincipalRule {
  public:
    virtual ~PrincipalRule() = default;
    virtual void check_sender(StoreTxn& txn, const Changeset& cs, const Principal& who) const = 0;
};

// One request's answer to "may this device hold that record?", for one user's grants. It may
// remember what it read, so it lives no longer than the request.
class RecordScope {
  public:
    virtual ~RecordScope() = default;
    virtual bool visible(std::string_view collection, std::string_view id) = 0;
    // For a batch of cells read from the change log: clears keep[i] for each cell of a record
    // the device may not hold. Cells already not kept are not decided, but may inform the
    // decision of other cells of the same record (a record's cells travel together).
    virtual void filter(const std::vector<Cell>& cells, std::vector<bool>& keep) = 0;
};

class ScopePolicy {
  public:
    // How to read a record: a store's read, or a transaction's inside one.
    using RecordReader =
        std::function<std::optional<Record>(std::string_view collection, std::string_view id)>;

    virtual ~ScopePolicy() = default;

    // What `grants` let a device hold; with `only_units`, just the records of those units (and
    // what they cover), still within the grants: the backfill a device runs when its user
    // gains a unit.
    virtual std::unique_ptr<RecordScope> scope(
        RecordReader read, const std::vector<Grant>& grants,
        const std::optional<std::vector<std::string>>& only_units = std::nullopt) const = 0;

    // The same scope as a ChangeSelector a store evaluates while it reads the change log, so
    // that a pull reads only what it may keep; read from `store` now. It may keep more than the
    // scope (the scope still judges every cell) but never less. Nullopt: no such description
    // (every cell is read and judged).
    virtual std::optional<ChangeSelector> selector(
        Store& store, const std::vector<Grant>& grants,
        const std::optional<std::vector<std::string>>& only_units) const {
        (void)store;
        (void)grants;
        (void)only_units;
        return std::nullopt;
    }

    // What the server's store indexes its change log by for this policy's selectors; nullopt:
    // nothing (selectors are evaluated on every row since the cursor).
    virtual std::optional<ScopeIndex> scope_index() const { return std::nullopt; }

    // The unit ids a device keeps when it evicts: the granted ids and every unit of `store`
    // the grants cover.
    virtual std::vector<std::string> covered_units(Store& store,
                                                   const std::vector<Grant>& grants) const = 0;
    // Removes from the device every record that belongs to none of `keep` (covered_units);
    // returns how many records were removed.
    virtual size_t evict(StoreTxn& txn, const std::vector<std::string>& keep) const = 0;

    // The fields a conflict record about the given record copies from it so that it syncs to
    // the same devices (written into `fields`; nothing when the record has no scope).
    virtual void scope_like(StoreTxn& txn, std::string_view collection, std::string_view id,
                            FieldValues& fields) const = 0;
};

}  // namespace ocop::sync
