// Layout (meta key login_throttle_layout = 1):
//   login_throttle(key PK, failures (the recent failure times, space-separated), lockouts,
//                  locked_until, last_failure)
#include "ocop/postgres/pg_login_throttle_state.hpp"

#include <algorithm>

#include "ocop/core/stored_number.hpp"
#include "ocop/postgres/pg_layout.hpp"
#include "ocop/postgres/pg_transaction.hpp"

namespace ocop::pg {

using server::LoginThrottleRecord;

namespace {

constexpr const char* kThrottleTables = R"sql(
CREATE TABLE IF NOT EXISTS login_throttle(
    key text COLLATE "C" PRIMARY KEY,
    failures text NOT NULL,
    lockouts integer NOT NULL,
    locked_until bigint NOT NULL,
    last_failure bigint NOT NULL);
CREATE INDEX IF NOT EXISTS login_throttle_by_last_failure ON login_throttle(last_failure);
)sql";

constexpr Layout kThrottleLayout{"login_throttle_layout", login_throttle_layout, kThrottleTables,
                                 "login throttle"};

// Creates the row if missing and locks it until the transaction ends; the no-op update is what
// makes ON CONFLICT lock and return the row another process committed.
const Statement kLock{
    "thr_lock",
    "INSERT INTO login_throttle(key, failures, lockouts, locked_until, "
    "last_failure) VALUES($1, '', 0, 0, 0) ON CONFLICT(key) DO UPDATE SET "
    "lockouts=login_throttle.lockouts RETURNING failures, lockouts, locked_until, "
    "last_failure"};
const Statement kFind{"thr_find",
                      "SELECT failures, lockouts, locked_until, last_failure FROM login_throttle "
                      "WHERE key=$1"};
const Statement kStore{"thr_store",
                       "UPDATE login_throttle SET failures=$2, lockouts=$3, locked_until=$4, "
                       "last_failure=$5 WHERE key=$1"};
const Statement kErase{"thr_erase", "DELETE FROM login_throttle WHERE key=$1"};
const Statement kEraseUnchanged{"thr_erase_unchanged",
                                "DELETE FROM login_throttle WHERE key=$1 AND failures=$2 AND "
                                "lockouts=$3 AND locked_until=$4 AND last_failure=$5"};
const Statement kPrune{"thr_prune",
                       "DELETE FROM login_throttle WHERE last_failure<$1 AND locked_until<=$2"};
const Statement kCount{"thr_count", "SELECT COUNT(*) FROM login_throttle"};

constexpr uint64_t kPruneEvery = 256;

LoginThrottleRecord read_record(const Result& r) {
    LoginThrottleRecord rec;
    const std::string failures(r.text(0, 0));
    for (size_t start = 0; start < failures.size();) {
        size_t end = failures.find(' ', start);
        if (end == std::string::npos) end = failures.size();
        rec.failures.push_back(stored_i64(failures.substr(start, end - start), "failures"));
        start = end + 1;
    }
    rec.lockouts = static_cast<int>(std::clamp<int64_t>(r.i64(0, 1), 0, 1'000'000));
    rec.locked_until = r.i64(0, 2);
    rec.last_failure = r.i64(0, 3);
    return rec;
}

std::vector<Param> params_of(const std::string& key, const LoginThrottleRecord& rec) {
    std::string failures;
    for (int64_t t : rec.failures) {
        if (!failures.empty()) failures += ' ';
        failures += std::to_string(t);
    }
    return {key, failures, std::to_string(rec.lockouts), std::to_string(rec.locked_until),
            std::to_string(rec.last_failure)};
}

}  // namespace

PgLoginThrottleState::PgLoginThrottleState(const StoreOptions& store,
                                           const server::LoginThrottlePolicy& policy)
    : PgLoginThrottleState(PoolHandle(store), store.schema, policy) {}

PgLoginThrottleState::PgLoginThrottleState(PgStore& data, const server::LoginThrottlePolicy& policy)
    : PgLoginThrottleState(PoolHandle(data), data.options().schema, policy) {}

PgLoginThrottleState::PgLoginThrottleState(PoolHandle pool, const std::string& schema,
                                           const server::LoginThrottlePolicy& policy)
    : pool_(std::move(pool)),
      retention_ms_(std::max(policy.failure_window, policy.lockout_memory).count()) {
    auto c = pool_.acquire();
    ensure_layout(*c, schema, kThrottleLayout);
}

std::optional<LoginThrottleRecord> PgLoginThrottleState::find(const std::string& key) {
    auto c = pool_.acquire();
    const Result r = c->run(kFind, {key});
    if (r.rows() == 0) return std::nullopt;
    return read_record(r);
}

void PgLoginThrottleState::update(const std::string& key, int64_t now,
                                  const std::function<void(LoginThrottleRecord&)>& change) {
    auto c = pool_.acquire();
    {
        Transaction txn(*c);
        LoginThrottleRecord rec = read_record(c->run(kLock, {key}));
        change(rec);
        c->run(kStore, params_of(key, rec));
        txn.commit();
    }
    // Records nobody would act on any more (LoginThrottle treats them as absent): dropped in
    // bulk now and then rather than one by one, so the table holds about a day of failures.
    if (++updates_ % kPruneEvery == 0)
        c->run(kPrune, {std::to_string(now - retention_ms_), std::to_string(now)});
}

void PgLoginThrottleState::erase(const std::string& key) {
    auto c = pool_.acquire();
    c->run(kErase, {key});
}

void PgLoginThrottleState::erase_if_unchanged(const std::string& key,
                                              const LoginThrottleRecord& seen) {
    auto c = pool_.acquire();
    c->run(kEraseUnchanged, params_of(key, seen));
}

size_t PgLoginThrottleState::size() {
    auto c = pool_.acquire();
    return static_cast<size_t>(c->run(kCount).u64(0, 0));
}

}  // namespace ocop::pg
