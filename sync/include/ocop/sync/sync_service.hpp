// The server half of the protocol: takes a decoded SyncRequest from an authenticated device and
// produces the SyncResponse. The pushed changesets are checked and applied in one store
// transaction together with the record of each outcome, so a retried changeset is never applied
// twice.
#pragma once

#include <mutex>
#include <string>

#include "ocop/core/changeset_rule.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/commit_batcher.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/protocol.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::sync {

// Decides whether a changeset may be applied; throws ocop::Error to refuse it (the error's code
// and message go back to the device). Runs inside the changeset's store transaction, so it sees
// the state the changeset would be applied to.
class ChangesetGuard {
  public:
    virtual ~ChangesetGuard() = default;
    virtual void check(StoreTxn& txn, const Changeset& cs, const Principal& who) = 0;
};

// Every value valid for the server's schema; the schema version not newer than the server's.
class SchemaGuard final : public ChangesetGuard {
  public:
    explicit SchemaGuard(const Schema& schema) : schema_(schema) {}
    void check(StoreTxn& txn, const Changeset& cs, const Principal& who) override;

  private:
    const Schema& schema_;
};

// The schema check, then (when given) the permission table against the sender's grants, then
// every rule in order: the same checks devices run before storing, so the server trusts no
// device to have run them. Permissions come before the domain rules so that a forged signature
// is refused as what it is (perm.sign_denied).
class RulesGuard final : public ChangesetGuard {
  public:
    // `permissions` (domain::PermissionChecker) judges the sender's grants; `signing`
    // (domain::DomainRules::signing()) who signs minutes: the changeset's writer is the
    // authenticated user, never what the device claims.
    RulesGuard(const Schema& schema, std::vector<const ChangesetRule*> rules,
               const PrincipalRule* permissions = nullptr, const PrincipalRule* signing = nullptr)
        : schema_(schema), rules_(std::move(rules)), permissions_(permissions), signing_(signing) {}
    void check(StoreTxn& txn, const Changeset& cs, const Principal& who) override {
        schema_.check(txn, cs, who);
        if (permissions_) permissions_->check_sender(txn, cs, who);
        if (signing_) signing_->check_sender(txn, cs, who);
        for (const ChangesetRule* rule : rules_) rule->check(txn, cs);
    }

  private:
    SchemaGuard schema_;
    std::vector<const ChangesetRule*> rules_;
    const PrincipalRule* permissions_;
    const PrincipalRule* signing_;
};

// Meta key of the server's last clock value, written with every push so that a server killed
// without a clean stop resumes its clock above every stamp it issued.
inline constexpr const char* server_hlc_meta_key = "server.hlc_last";
// Meta key of the server's restore epoch: a new random id whenever the database is known to
// have been restored from a backup (ocop-admin restore, or a device showing the server lost
// data). Devices that see it change re-send what they retained and pull from 0 again.
inline constexpr const char* server_epoch_meta_key = "sync.epoch";

// A new epoch id for `store`, unless its epoch is no longer `replaced` (another request or
// process began one first). Returns the epoch now stored.
std::string begin_new_epoch(Store& store, const std::string& replaced);

class SyncService {
  public:
    // `server_writer` (may be null: no conflict records) is the server's own replica on `store`,
    // which writes conflict records. `scope` (may be null; domain::UnitScopePolicy): each device
    // pulls only the records its user's grants cover, every answer tells it those grants, and
    // conflict records sync where their record does; without it every device pulls everything
    // (tests of the bare protocol). It must outlive the service.
    SyncService(Store& store, HlcClock& clock, ChangesetGuard& guard, std::string server_id,
                int schema_version, LocalReplica* server_writer = nullptr,
                const ScopePolicy* scope = nullptr);

    // Throws Error for request-level failures (sync.replica_mismatch, sync.version_unsupported);
    // changeset-level failures are results inside the response.
    SyncResponse handle(const SyncRequest& req, const Principal& who);

    const std::string& server_id() const noexcept { return server_id_; }
    std::string epoch();

    // Names the writers of conflicting values from the enrolment store (set before serving).
    void set_replica_owners(ReplicaOwnerLookup owners) {
        if (conflicts_) conflicts_->set_owner_lookup(std::move(owners));
    }

    // Concurrent pushes share durable commits through this (tests read its counters).
    const CommitBatcher& push_commits() const noexcept { return push_commits_; }

  private:
    struct PushOutcome {
        ChangesetResult result;
        std::optional<uint64_t> gap_expected;  // set when cs.seq skipped numbers
    };
    PushOutcome push_one(StoreTxn& txn, const Changeset& cs, const Principal& who);
    PullPage pull(const PullRequest& req, const Principal& who);
    // The epoch to answer with: a new one when a device of the current epoch shows the server
    // holds less than it acknowledged (its changesets or its pull cursor).
    std::string epoch_for(const SyncRequest& req);
    void skip_lost(StoreTxn& txn, const std::string& replica, uint64_t skip_to);

    Store& store_;
    HlcClock& clock_;
    std::mutex clock_mutex_;  // HlcClock is not thread-safe; requests arrive on many threads
    ChangesetGuard& guard_;
    std::optional<ConflictRecorder> conflicts_;
    std::string server_id_;
    std::mutex epoch_mutex_;
    std::string epoch_;
    int schema_version_;
    const ScopePolicy* scope_;
    CommitBatcher push_commits_;
};

}  // namespace ocop::sync
