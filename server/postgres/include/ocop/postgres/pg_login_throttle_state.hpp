// LoginThrottle's records in the database every server process shares (login_throttle.hpp): a
// failed login counted by one process counts for all of them. One row per user name or address
// (layout in pg_login_throttle_state.cpp); a failure is one short transaction that locks only its
// row (INSERT ... ON CONFLICT DO UPDATE ... RETURNING locks and reads it in one round trip), so
// concurrent failures of one key from several processes are applied one after the other and
// never lost, and no two logins can deadlock.
#pragma once

#include <atomic>
#include <chrono>

#include "ocop/postgres/pg_pool_handle.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/server/login_throttle.hpp"

namespace ocop::pg {

// The throttle layout this build writes (meta key "login_throttle_layout").
inline constexpr int login_throttle_layout = 1;

class PgLoginThrottleState final : public server::LoginThrottleState {
  public:
    // Connects and creates the table if missing, in store.schema. Records with no failure for
    // longer than `policy` remembers anything (and not locked) are deleted now and then; the
    // table is not capped at policy.max_entries: the database's disk holds a day of records.
    explicit PgLoginThrottleState(const StoreOptions& store,
                                  const server::LoginThrottlePolicy& policy = {});
    // The same in the data store's schema, on its connections. `data` must outlive this state.
    explicit PgLoginThrottleState(PgStore& data, const server::LoginThrottlePolicy& policy = {});

    std::optional<server::LoginThrottleRecord> find(const std::string& key) override;
    void update(const std::string& key, int64_t now,
                const std::function<void(server::LoginThrottleRecord&)>& change) override;
    void erase(const std::string& key) override;
    void erase_if_unchanged(const std::string& key,
                            const server::LoginThrottleRecord& seen) override;
    size_t size() override;

  private:
    PgLoginThrottleState(PoolHandle pool, const std::string& schema,
                         const server::LoginThrottlePolicy& policy);

    PoolHandle pool_;
    const int64_t retention_ms_;
    std::atomic<uint64_t> updates_{0};  // old records are pruned every so many updates
};

}  // namespace ocop::pg
