// The write path of a replica that edits data itself (a device; the server for administrative
// operations): validates a local transaction against the schema, stamps it with one HLC
// timestamp, records each field's base stamp, and stores the cells and the outgoing changeset in
// one store transaction.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/changeset_rule.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/store.hpp"
#include "ocop/core/uuid.hpp"

namespace ocop {

using FieldValues = std::map<std::string, Value, std::less<>>;

// The edits of one local transaction, collected before commit. Setting a field twice keeps the
// last value.
class LocalTransaction {
  public:
    void put(std::string collection, std::string id, const FieldValues& fields);
    void remove(std::string collection, std::string id);
    // Brings a deleted record back (`_deleted = false`), with the fields put with it; the only
    // edit a deleted record accepts.
    void restore(std::string collection, std::string id);
    bool empty() const noexcept { return edits_.empty(); }

  private:
    friend class LocalReplica;
    struct Edit {
        bool remove = false;
        bool restore = false;
        FieldValues fields;
    };
    std::map<std::pair<std::string, std::string>, Edit> edits_;
};

class LocalReplica {
  public:
    // Reads the replica's id, changeset counter and last clock value from the store's meta table;
    // a new store gets `new_replica_id`.
    // `rules` (may be empty; must outlive the replica) are checked on every commit.
    // `keep_outbox`: false for the server's own replica, whose changesets are not uploaded
    // anywhere.
    LocalReplica(Store& store, const Schema& schema, PhysicalClock physical,
                 const std::string& new_replica_id, std::vector<const ChangesetRule*> rules = {},
                 bool keep_outbox = true);

    const std::string& id() const noexcept { return id_; }
    const Schema& schema() const noexcept { return schema_; }
    HlcClock& clock() noexcept { return clock_; }
    Store& store() noexcept { return store_; }

    std::string new_record_id();

    // Validates and stores `txn` as one changeset, which is returned. Throws Error (nothing
    // stored) on an unknown collection or field, a bad value, a missing required field, or an
    // edit of a deleted (unless restored) or missing record.
    Changeset commit(const LocalTransaction& txn);
    // The same inside a store transaction the caller already holds (the server records conflicts
    // in the transaction that detected them).
    Changeset commit_in(StoreTxn& t, const LocalTransaction& txn);

    // Merges a timestamp seen from elsewhere (the server's clock) and persists the clock with the
    // next write. Returns false if it was beyond the tolerance and ignored.
    bool observe(Hlc remote) { return clock_.observe(remote); }

  private:
    Store& store_;
    const Schema& schema_;
    std::vector<const ChangesetRule*> rules_;
    bool keep_outbox_;
    std::string id_;
    HlcClock clock_;
    std::mutex ids_mutex_;  // new_record_id may be called from several threads
    UuidV7Generator ids_;
};

// Meta keys the local replica keeps in its store.
namespace meta_key {
inline constexpr const char* replica_id = "replica_id";
inline constexpr const char* changeset_seq = "local_changeset_seq";
inline constexpr const char* hlc_last = "hlc_last";
}  // namespace meta_key

}  // namespace ocop
