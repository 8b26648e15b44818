// Group commit: concurrent callers share one durable transaction, so that its fsync is paid once
// per batch instead of once per caller, and every caller returns only after the commit that holds
// its work is done (an acknowledged write is as durable as before).
//
// Leader/follower: a caller that finds no commit in flight becomes the leader and hands the
// oldest waiting callers' jobs (up to max_batch) to the commit function; callers that arrive
// meanwhile queue for the next batch. The commit function runs without the queue's lock and
// reports one error per job (a job's own failure); if it throws, the whole batch failed and
// every job of it without an error of its own gets that one (copy_batch_failure).
//
// Used by the sync service for pushes (sync/commit_batcher.hpp: each job in a savepoint of one
// store transaction) and by the audit trail (server/sqlite_audit_log.cpp: every entry of a
// batch in one transaction).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop {

// What every caller of a failed batch gets, each its own copy (one exception object rethrown on
// several threads at once is shared by their handlers): an ocop::Error as it was (its kind tells
// a device whether to retry: transient for a full disk or an I/O error), anything else as an
// internal error.
inline std::exception_ptr copy_batch_failure(std::exception_ptr failed) {
    try {
        std::rethrow_exception(failed);
    } catch (const Error& err) {
        return std::make_exception_ptr(err);
    } catch (const std::exception& err) {
        return std::make_exception_ptr(
            Error(ErrorKind::internal, errc::internal_error,
                  std::string("the batch commit failed: ") + err.what()));
    } catch (...) {
        return std::make_exception_ptr(Error(ErrorKind::internal, errc::internal_error,
                                             "the batch commit failed with an unknown exception"));
    }
}

template <class Job>
class GroupCommit {
  public:
    // Writes every job of a batch in one transaction and commits it; sets errors[i] for a job
    // whose own part failed (undone alone), throws if nothing of the batch was written.
    using CommitFn = std::function<void(const std::vector<Job*>& batch,
                                        std::vector<std::exception_ptr>& errors)>;

    GroupCommit(CommitFn commit, size_t max_batch)
        : commit_(std::move(commit)), max_batch_(max_batch ? max_batch : 1) {}
    GroupCommit(const GroupCommit&) = delete;
    GroupCommit& operator=(const GroupCommit&) = delete;

    // Returns once the batch holding `job` committed; throws the job's error or the commit's.
    void run(Job& job) {
        Entry mine{&job, nullptr, false};
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

    // Callers queued behind the commit in flight (for tests that need a batch of known shape).
    size_t waiting() const {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }
    // Batches committed or failed so far.
    size_t batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }

  private:
    struct Entry {
        Job* job;
        std::exception_ptr error;
        bool done = false;
    };

    // Runs one batch. Called and returns with the lock held; the commit runs without it, so
    // callers keep queueing meanwhile.
    void lead(std::unique_lock<std::mutex>& lock) {
        leading_ = true;
        std::vector<Entry*> batch;
        std::vector<Job*> jobs;
        while (!queue_.empty() && batch.size() < max_batch_) {
            batch.push_back(queue_.front());
            jobs.push_back(queue_.front()->job);
            queue_.pop_front();
        }
        lock.unlock();
        std::vector<std::exception_ptr> errors(batch.size());
        std::exception_ptr failed;
        try {
            commit_(jobs, errors);
        } catch (...) {
            failed = std::current_exception();
        }
        lock.lock();
        for (size_t i = 0; i < batch.size(); ++i) {
            batch[i]->error = errors[i] ? errors[i] : failed ? copy_batch_failure(failed) : nullptr;
            batch[i]->done = true;
        }
        ++batches_;
        leading_ = false;
        // The callers just served return; the oldest one still queued becomes the next leader.
        changed_.notify_all();
    }

    const CommitFn commit_;
    const size_t max_batch_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Entry*> queue_;  // callers not yet taken into a batch, in arrival order
    bool leading_ = false;      // a leader is running a batch
    size_t batches_ = 0;
};

}  // namespace ocop
