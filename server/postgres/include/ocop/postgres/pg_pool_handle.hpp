// The connections of one of the smaller stores (accounts, audit trail, login throttle): a pool of
// its own, or the data store's (PgStore::pool(), whose connections already use the schema), so
// that a server process does not open a pool per store against the database's connection limit.
#pragma once

#include <memory>

#include "ocop/postgres/pg_pool.hpp"
#include "ocop/postgres/pg_store.hpp"

namespace ocop::pg {

class PoolHandle {
  public:
    explicit PoolHandle(const StoreOptions& options)
        : own_(std::make_unique<Pool>(options.url, options.max_connections,
                                      search_path_sql(options.schema))),
          pool_(*own_) {}
    explicit PoolHandle(PgStore& data) : pool_(data.pool()) {}

    Pool::Lease acquire() { return pool_.acquire(); }

  private:
    std::unique_ptr<Pool> own_;
    Pool& pool_;
};

}  // namespace ocop::pg
