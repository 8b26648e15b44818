// Group commit: concurrent callers share one durable store transaction. Each caller's work runs
// in its own savepoint of that transaction, and every caller returns only after the commit (and
// its fsync, synchronous=FULL) is done, so an acknowledged push is as durable as before; the
// cost of the fsync is paid once per batch instead of once per request.
//
// Leader/follower: a caller that finds no commit in flight becomes the leader and runs every
// waiting caller's work in one transaction; callers that arrive meanwhile queue for the next
// one. One caller's failure is its own (its savepoint is rolled back and it gets its exception);
// a failed commit fails every caller of that batch with the store's error, and nothing of that
// batch is written.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>

#include "ocop/core/store.hpp"

namespace ocop::sync {

class CommitBatcher {
  public:
    // `max_batch`: callers whose work shares one transaction at most. A batch holds the store
    // for the sum of its callers' work, so this bounds how long a commit keeps readers waiting.
    explicit CommitBatcher(Store& store, size_t max_batch = 64)
        : store_(store), max_batch_(max_batch ? max_batch : 1) {}
    CommitBatcher(const CommitBatcher&) = delete;
    CommitBatcher& operator=(const CommitBatcher&) = delete;

    // Runs `work` inside a shared store transaction and returns once that transaction committed.
    // Throws what `work` threw (its writes undone, others' kept) or the commit's error.
    void run(const std::function<void(StoreTxn&)>& work);

    // Callers queued behind the commit in flight (for tests that need a batch of known shape).
    size_t waiting() const;
    // Transactions committed or failed so far.
    size_t batches() const;

  private:
    struct Entry {
        const std::function<void(StoreTxn&)>* work;
        std::exception_ptr error;
        bool done = false;
    };
    void lead(std::unique_lock<std::mutex>& lock);

    Store& store_;
    const size_t max_batch_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Entry*> queue_;  // callers not yet taken into a batch, in arrival order
    bool leading_ = false;      // a leader is running a batch
    size_t batches_ = 0;
};

}  // namespace ocop::sync
