#include "ocop/sync/commit_batcher.hpp"

#include <optional>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sync {

void CommitBatcher::run(const std::function<void(StoreTxn&)>& work) {
    Entry mine{&work, nullptr, false};
    std::unique_lock lock(mutex_);
    queue_.push_back(&mine);
    while (!mine.done) {
        if (!leading_) {
            lead(lock);  // takes this caller's entry (the oldest may be someone else's)
            continue;
        }
        changed_.wait(lock);
    }
    if (mine.error) std::rethrow_exception(mine.error);
}

// Runs one batch: the oldest waiting callers, up to max_batch_. Called and returns with the lock
// held; the store work and commit run without it, so callers keep queueing meanwhile.
void CommitBatcher::lead(std::unique_lock<std::mutex>& lock) {
    leading_ = true;
    std::vector<Entry*> batch;
    while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(queue_.front());
        queue_.pop_front();
    }
    lock.unlock();
    // A failed commit is kept as a value and every caller gets its own copy to throw: one
    // exception object rethrown on several threads at once is shared by their handlers.
    std::optional<Error> commit_error;
    try {
        store_.write([&](StoreTxn& txn) {
            for (Entry* e : batch) e->error = txn.in_savepoint(*e->work);
        });
    } catch (const Error& err) {
        commit_error = err;
    } catch (const std::exception& err) {
        commit_error = Error(ErrorKind::internal, errc::internal_error,
                             std::string("the batch commit failed: ") + err.what());
    } catch (...) {
        commit_error = Error(ErrorKind::internal, errc::internal_error,
                             "the batch commit failed with an unknown exception");
    }
    lock.lock();
    for (Entry* e : batch) {
        // Nothing of the batch was written: every caller fails. One whose own work failed keeps
        // its own error; the others get the store's (transient for a full disk or an I/O error,
        // so devices retry) and none of them was acknowledged.
        if (commit_error && !e->error) e->error = std::make_exception_ptr(*commit_error);
        e->done = true;
    }
    ++batches_;
    leading_ = false;
    // The callers just served return; the oldest one still queued becomes the next leader.
    changed_.notify_all();
}

size_t CommitBatcher::waiting() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

size_t CommitBatcher::batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
}

}  // namespace ocop::sync
