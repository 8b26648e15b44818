// Group commit of pushes: concurrent callers share one durable store transaction
// (ocop/core/group_commit.hpp). Each caller's work runs in its own savepoint of that
// transaction, and every caller returns only after the commit (and its fsync,
// synchronous=FULL) is done, so an acknowledged push is as durable as before.
//
// One caller's failure is its own (its savepoint is rolled back and it gets its exception);
// a failed commit fails every caller of that batch with the store's error (transient for a full
// disk or an I/O error, so devices retry), and nothing of that batch is written.
#pragma once

#include <cstddef>
#include <functional>

#include "ocop/core/group_commit.hpp"
#include "ocop/core/store.hpp"

namespace ocop::sync {

class CommitBatcher {
  public:
    using Work = const std::function<void(StoreTxn&)>;

    // `max_batch`: callers whose work shares one transaction at most. A batch holds the store
    // for the sum of its callers' work, so this bounds how long a commit keeps readers waiting.
    explicit CommitBatcher(Store& store, size_t max_batch = 64);

    // Runs `work` inside a shared store transaction and returns once that transaction committed.
    // Throws what `work` threw (its writes undone, others' kept) or the commit's error.
    void run(const std::function<void(StoreTxn&)>& work) { group_.run(work); }

    // Callers queued behind the commit in flight (for tests that need a batch of known shape).
    size_t waiting() const { return group_.waiting(); }
    // Transactions committed or failed so far.
    size_t batches() const { return group_.batches(); }

  private:
    GroupCommit<Work> group_;
};

}  // namespace ocop::sync
