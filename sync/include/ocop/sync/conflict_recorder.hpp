// Conflicts: two officers set the same field differently without seeing each other's value. The
// merge rule still picks a provisional value (the greater stamp) so every replica converges, and
// this recorder keeps every competing value, with who wrote it, when and from which device, in a
// `conflict` record that syncs to the devices of the unit until a person resolves it.
//
// An edit that meets a deletion (an officer edits offline a record another one deleted
// meanwhile) is a conflict too, on the field `_deleted`: the edit is kept in the deleted
// record's cells, and the conflict lists the deletion (value true: who deleted it, when, from
// which device) and the edit (value false: keep the record, with `edit` holding the fields it
// wrote). Resolving it with false restores the record with the edit (an `undelete`, checked
// against the record's own unit), with true confirms the deletion.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/core/changeset.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::sync {

struct ConcurrentWrite {
    std::string collection;
    std::string record_id;
    std::string field;
    CellValue current;  // what the server held
    Value incoming;     // what the device wrote without having seen `current`
    // For an edit that meets a deletion (field `_deleted`, incoming false): the fields the edit
    // wrote, {field: value}. Null otherwise.
    nlohmann::json edit = nullptr;
};

// Who a replica belongs to: the user and the device id it enrolled as.
struct ReplicaOwner {
    std::string user;
    std::string device_id;
};
// The server's enrolment store answers it, so that a replica whose pushes the recorder never
// saw (applied before the recorder existed, or before owners were remembered) is still named.
using ReplicaOwnerLookup = std::function<std::optional<ReplicaOwner>(const std::string& replica)>;

class ConflictRecorder {
  public:
    // `scope` (may be null): copies the record's scope into each conflict record, so that it
    // syncs to the devices that hold the record.
    explicit ConflictRecorder(LocalReplica& server_writer, ReplicaOwnerLookup owners = {},
                              const ScopePolicy* scope = nullptr)
        : writer_(server_writer), owners_(std::move(owners)), scope_(scope) {}
    void set_owner_lookup(ReplicaOwnerLookup owners) { owners_ = std::move(owners); }

    // Before `cs` is applied: its field changes whose base is not the current stamp (the writer
    // had not seen the current value), whose current value came from another replica, and whose
    // values differ.
    std::vector<ConcurrentWrite> detect(StoreTxn& txn, const Changeset& cs) const;

    // After `cs` is applied: opens or extends the conflict record of each field. Remembers, for
    // every changeset (conflicting or not), which user and device `who.replica` belongs to, so
    // that a later conflict names the earlier writer too, not only its replica. Returns how
    // many conflicts were opened (a field already in an open conflict extends it instead).
    size_t record(StoreTxn& txn, const std::vector<ConcurrentWrite>& writes, const Changeset& cs,
                  const Principal& who);

    // The id of the conflict record of one field, the same on every replica.
    static std::string conflict_id(std::string_view collection, std::string_view record_id,
                                   std::string_view field);

    // What `cs` does to conflicts as one line for the audit trail, e.g. "conflict <id> resolved
    // by u: value 2 (written by v)", "conflict <id> reopened by u"; empty when it touches none.
    static std::string describe_resolutions(const Changeset& cs);

  private:
    static void remember_owner(StoreTxn& txn, const Principal& who);
    // The user and device a replica belongs to, as JSON (null when not known).
    std::pair<nlohmann::json, nlohmann::json> owner_of(StoreTxn& txn,
                                                       const std::string& replica) const;

    LocalReplica& writer_;
    ReplicaOwnerLookup owners_;
    const ScopePolicy* scope_;
};

inline constexpr const char* conflict_collection = "conflict";

// ISO 8601 UTC text of a Unix time in milliseconds, e.g. 2026-11-23T08:30:00Z.
std::string iso_utc(int64_t unix_ms);

}  // namespace ocop::sync
