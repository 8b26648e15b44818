// The device's side of scoped sync. The server tells the device, in every answer, the roles and
// units of its user; the device remembers them (meta), checks its own writes against them,
// removes the records a unit it lost covers, and, when a unit is gained, pulls that unit's
// older records in a backfill instead of pulling everything again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::sync {

namespace meta_key {
inline constexpr const char* grants = "sync_grants";      // JSON [{role, unit}]
inline constexpr const char* backfill = "sync_backfill";  // JSON {units, cursor, upto}
}  // namespace meta_key

// Records of units the user just gained, pulled from `cursor` until `upto` (the main pull
// position when the units were gained; what came later arrives through the main pull).
struct Backfill {
    std::vector<std::string> units;
    uint64_t cursor = 0;
    uint64_t upto = 0;
};

class DeviceScope {
  public:
    // `policy` (domain::UnitScopePolicy) says what grants cover; only adopt() needs it.
    explicit DeviceScope(Store& store, const ScopePolicy* policy = nullptr)
        : store_(store), policy_(policy) {}

    // The grants last received, or nullopt before the first sync with a scoping server.
    std::optional<std::vector<Grant>> grants() const;
    std::optional<Backfill> backfill() const;

    // Takes the grants of an answer. `pull_cursor` is the main pull's cursor as the request
    // sent it (the answer's page was read under these grants already, so a gained unit lacks
    // only what lies before it). When the grants differ from the stored ones: stores them,
    // evicts every record no grant covers any longer, and plans a backfill of the units not
    // covered before, from 0 up to `pull_cursor`. Returns the number of records evicted.
    // Without a policy, throws Error(sync.no_scope_policy) when the grants differ: the device
    // cannot know what they cover.
    size_t adopt(const std::vector<Grant>& grants, uint64_t pull_cursor);

    // Records backfill progress (inside the transaction that applied the page); ends the
    // backfill when the page reached `upto` or the server's end.
    static void advance_backfill(StoreTxn& txn, const Backfill& backfill, uint64_t cursor,
                                 bool more);
    // A new server database: the grants and any backfill start over.
    static void reset(StoreTxn& txn);

  private:
    Store& store_;
    const ScopePolicy* policy_;
};

std::string grants_to_json(const std::vector<Grant>& grants);
std::vector<Grant> grants_from_json(std::string_view text);

}  // namespace ocop::sync
