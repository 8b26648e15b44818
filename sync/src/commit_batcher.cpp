#include "ocop/sync/commit_batcher.hpp"

#include <vector>

namespace ocop::sync {

CommitBatcher::CommitBatcher(Store& store, size_t max_batch)
    : group_(
          [&store](const std::vector<Work*>& batch, std::vector<std::exception_ptr>& errors) {
              store.write([&](StoreTxn& txn) {
                  for (size_t i = 0; i < batch.size(); ++i) errors[i] = txn.in_savepoint(*batch[i]);
              });
          },
          max_batch) {}

}  // namespace ocop::sync
