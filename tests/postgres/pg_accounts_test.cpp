// The accounts, audit trail and login throttle on PostgreSQL, beyond the contract they share with
// SQLite (account_store_test.cpp and audit_log_test.cpp, built into this suite too): what only a
// shared database can get wrong. Two store instances on one schema stand for two server
// processes: the same token rotated by both at once, the same replica enrolled by both, last_seen
// written by both, and a password guesser spreading attempts over three of them. Also: no secret
// in any row, and a schema of a newer layout refused.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "account_backend.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/postgres/pg_account_store.hpp"
#include "ocop/postgres/pg_audit_log.hpp"
#include "ocop/postgres/pg_connection.hpp"
#include "ocop/postgres/pg_login_throttle_state.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"
#include "server_test_support.hpp"
#include "test_backend.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using ocop::pg::PgAccountStore;
using ocop::pg::PgLoginThrottleState;
namespace errc = ocop::errc;

namespace {

constexpr int64_t kMinute = 60'000;

struct SharedClock {
    std::shared_ptr<std::atomic<int64_t>> now = std::make_shared<std::atomic<int64_t>>(kT0);
    ocop::PhysicalClock clock() const {
        return [now = now] { return now->load(); };
    }
};

AccountStoreOptions options_at(const SharedClock& time) {
    AccountStoreOptions o;
    o.pbkdf2_iterations = kTestIterations;
    o.clock = time.clock();
    return o;
}

// Runs fn(i) on `threads` threads released together; returns what each returned, or the code
// of what it threw ("" for nothing thrown), in thread order. No Catch2 on the threads.
template <typename Fn>
auto together(int threads, Fn fn) {
    using R = decltype(fn(0));
    std::vector<R> results(static_cast<size_t>(threads));
    std::vector<std::string> errors(static_cast<size_t>(threads));
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&, i] {
            ++ready;
            while (ready.load() < threads) std::this_thread::yield();
            try {
                results[static_cast<size_t>(i)] = fn(i);
            } catch (const ocop::Error& e) {
                errors[static_cast<size_t>(i)] = e.code();
            } catch (const std::exception& e) {
                errors[static_cast<size_t>(i)] = std::string("exception: ") + e.what();
            }
        });
    for (auto& t : pool) t.join();
    return std::make_pair(std::move(results), std::move(errors));
}

// Two server processes on one schema: two store instances on one clock, with one user.
struct TwoProcesses {
    explicit TwoProcesses(const std::string& name) : place(name) {
        a.add_user("can.bo.an", "mat-khau-an-2026");
    }
    AccountsPlace place;
    SharedClock time;
    PgAccountStore a{place.pg(), options_at(time)};
    PgAccountStore b{place.pg(), options_at(time)};
};

// A connection to the place's schema, for looking at the rows themselves.
std::unique_ptr<ocop::pg::Connection> raw(const ocop::pg::StoreOptions& place) {
    auto c = std::make_unique<ocop::pg::Connection>(place.url);
    c->exec(ocop::pg::search_path_sql(place.schema));
    return c;
}

}  // namespace

TEST_CASE(
    "two processes rotating the same token at once issue one new token, and every token "
    "the device may hold works",
    "[postgres][accounts][tokens]") {
    TwoProcesses two("ocop-pg-rotate");
    auto& time = two.time;
    auto& a = two.a;
    auto& b = two.b;

    // Several rounds: each one a token due for rotation, presented by 8 requests at once (the
    // device's parallel requests, spread over the two processes).
    for (int round = 0; round < 5; ++round) {
        INFO("round " << round);
        const Enrollment e =
            (round % 2 ? b : a).enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
        time.now->store(time.now->load() + kDay * 8);
        const auto [results, errors] =
            together(8, [&](int i) { return (i % 2 ? b : a).authenticate(e.token); });
        std::set<std::string> issued;
        for (size_t i = 0; i < results.size(); ++i) {
            INFO("request " << i);
            CHECK(errors[i].empty());
            CHECK(results[i].who);
            if (results[i].rotated_token) issued.insert(*results[i].rotated_token);
        }
        // Exactly one rotation: the requests that waited for it saw it and left it alone.
        REQUIRE(issued.size() == 1);
        const std::string fresh = *issued.begin();
        // Whichever answer the device kept, its token works: the old one in its grace...
        const auto old = b.authenticate(e.token);
        CHECK(old.who);
        CHECK_FALSE(old.rotated_token);  // still within the race window: not rotated again
        // ...and the new one, on either process (which ends the grace of the old one).
        CHECK(a.authenticate(fresh).who);
        CHECK(b.authenticate(fresh).who);
        CHECK(a.authenticate(e.token).code == errc::auth_invalid_token);
    }
}

TEST_CASE("a previous token used after the race window is rotated again, on any process",
          "[postgres][accounts][tokens]") {
    TwoProcesses two("ocop-pg-rotate-late");
    auto& time = two.time;
    auto& a = two.a;
    auto& b = two.b;
    const Enrollment e = a.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    time.now->store(kT0 + kDay * 8);
    const auto first = a.authenticate(e.token);
    REQUIRE(first.rotated_token);
    // The answer was lost; the device retries on the other process, a while later.
    time.now->store(kT0 + kDay * 8 + ocop::server::tuning::token_rotation_race_window.count());
    const auto retry = b.authenticate(e.token);
    REQUIRE(retry.who);
    REQUIRE(retry.rotated_token);
    CHECK(*retry.rotated_token != *first.rotated_token);
    CHECK(a.authenticate(*first.rotated_token).code == errc::auth_invalid_token);
    CHECK(a.authenticate(*retry.rotated_token).who);
}

TEST_CASE("the same replica enrolled from two processes at once is one device",
          "[postgres][accounts]") {
    TwoProcesses two("ocop-pg-enrol");
    auto& a = two.a;
    auto& b = two.b;
    a.add_user("can.bo.binh", "mat-khau-binh-2026");

    SECTION("one user: every login succeeds, on one device row, and the last token wins") {
        const auto [results, errors] = together(8, [&](int i) {
            return (i % 2 ? b : a).enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-x"));
        });
        std::set<std::string> ids;
        int working = 0;
        for (size_t i = 0; i < results.size(); ++i) {
            INFO("login " << i);
            REQUIRE(errors[i].empty());
            ids.insert(results[i].device.id);
            if (a.authenticate(results[i].token).who) ++working;
        }
        CHECK(ids.size() == 1);
        CHECK(working == 1);  // each login replaced the token of the one before
        REQUIRE(a.devices().size() == 1);
        CHECK(a.devices()[0].id == *ids.begin());
    }
    SECTION("two users: one of them owns the replica, the other is refused") {
        const auto [results, errors] = together(8, [&](int i) {
            return (i % 2 ? b : a)
                .enroll(i < 4 ? enroll_req("can.bo.an", "mat-khau-an-2026", "phone-x")
                              : enroll_req("can.bo.binh", "mat-khau-binh-2026", "phone-x"));
        });
        REQUIRE(a.devices().size() == 1);
        const std::string owner = a.devices()[0].user;
        for (size_t i = 0; i < results.size(); ++i) {
            INFO("login " << i);
            const std::string user = i < 4 ? "can.bo.an" : "can.bo.binh";
            if (user == owner)
                CHECK(errors[i].empty());
            else
                CHECK(errors[i] == errc::sync_replica_mismatch);
        }
    }
    SECTION("two users adding the same name: one is added, the other told it exists") {
        const auto [results, errors] = together(6, [&](int i) {
            (i % 2 ? b : a).add_user("can.bo.moi", "mat-khau-moi-2026");
            return 0;
        });
        CHECK(std::count(errors.begin(), errors.end(), "") == 1);
        CHECK(std::count(errors.begin(), errors.end(), errc::auth_user_exists) == 5);
    }
}

TEST_CASE("two processes authenticating the same devices move last_seen without deadlock",
          "[postgres][accounts]") {
    TwoProcesses two("ocop-pg-seen");
    auto& time = two.time;
    auto& a = two.a;
    auto& b = two.b;
    std::vector<std::string> tokens;
    for (int d = 0; d < 3; ++d)
        tokens.push_back(
            a.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-" + std::to_string(d)))
                .token);
    // Every call moves the clock past the last_seen resolution: every request writes.
    const auto [results, errors] = together(6, [&](int i) {
        int ok = 0;
        for (int n = 0; n < 40; ++n) {
            time.now->fetch_add(kMinute + 1);
            const auto& token = tokens[static_cast<size_t>((i + n) % 3)];
            if ((n % 2 ? b : a).authenticate(token).who) ++ok;
        }
        return ok;
    });
    for (size_t i = 0; i < results.size(); ++i) {
        INFO("thread " << i);
        CHECK(errors[i].empty());
        CHECK(results[i] == 40);
    }
    for (const auto& d : a.devices()) CHECK(d.last_seen_ms > kT0 + kDay / 24 * 2);
}

TEST_CASE("passwords and tokens never reach the PostgreSQL rows in clear", "[postgres][accounts]") {
    AccountsPlace place("ocop-pg-clear");
    SharedClock time;
    const std::string password = "Mat-khau-bi-mat-XYZZY-2026";
    const auto accounts = place.accounts(options_at(time));
    accounts->add_user("can.bo.xa", password);
    const std::string token = accounts->enroll(enroll_req("can.bo.xa", password, "phone-x")).token;
    time.now->store(kT0 + kDay * 8);
    const auto auth = accounts->authenticate(token);
    REQUIRE(auth.rotated_token);
    const std::string rotated = *auth.rotated_token;

    auto c = raw(place.pg());
    std::string everything;
    for (const char* table : {"users", "devices", "grants", "meta"}) {
        const auto r = c->query(std::string("SELECT t::text FROM ") + table + " t");
        for (int i = 0; i < r.rows(); ++i) everything += std::string(r.text(i, 0)) + "\n";
    }
    CHECK(everything.find("can.bo.xa") != std::string::npos);  // the dump has the rows
    CHECK(everything.find(password) == std::string::npos);
    CHECK(everything.find(token) == std::string::npos);
    CHECK(everything.find(rotated) == std::string::npos);
    const auto device = c->query("SELECT token_hash, prev_token_hash FROM devices");
    REQUIRE(device.rows() == 1);
    CHECK(device.text(0, 0) == secrets::sha256_hex(rotated));
    CHECK(device.text(0, 1) == secrets::sha256_hex(token));
    const auto user = c->query("SELECT password_hash FROM users WHERE name = 'can.bo.xa'");
    REQUIRE(user.rows() == 1);
    CHECK(verify_password(password, user.text(0, 0)));
}

TEST_CASE("a schema with a newer accounts, audit or throttle layout is refused, not misread",
          "[postgres][accounts][audit]") {
    AccountsPlace place("ocop-pg-newer");
    SharedClock time;
    { PgAccountStore accounts(place.pg(), options_at(time)); }
    { ocop::pg::PgAuditLog audit(place.pg()); }
    { PgLoginThrottleState throttle(place.pg()); }
    // Opening again (a second process starting) is fine.
    CHECK(error_code_of([&] { PgAccountStore accounts(place.pg(), options_at(time)); }) ==
          "<no error>");
    auto c = raw(place.pg());
    c->exec("UPDATE meta SET value = '99' WHERE key = 'accounts_layout'");
    CHECK(error_code_of([&] { PgAccountStore accounts(place.pg(), options_at(time)); }) ==
          errc::store_layout_too_new);
    c->exec("UPDATE meta SET value = '99' WHERE key = 'audit_layout'");
    CHECK(error_code_of([&] { ocop::pg::PgAuditLog audit(place.pg()); }) ==
          errc::store_layout_too_new);
    c->exec("UPDATE meta SET value = '99' WHERE key = 'login_throttle_layout'");
    CHECK(error_code_of([&] { PgLoginThrottleState throttle(place.pg()); }) ==
          errc::store_layout_too_new);
    // The data store of the same schema likewise.
    { ocop::pg::PgStore data(place.pg()); }
    c->exec("UPDATE meta SET value = '99' WHERE key = 'store_layout'");
    CHECK(error_code_of([&] { ocop::pg::PgStore data(place.pg()); }) == errc::store_layout_too_new);
}

TEST_CASE("the audit trail keeps only valid UTF-8 without NUL on PostgreSQL", "[postgres][audit]") {
    AccountsPlace place("ocop-pg-audit-text");
    const auto log = place.audit();
    AuditEntry e;
    e.received_ms = 1;
    e.user = "can.bo.an";
    e.outcome = "rejected";
    e.message = std::string("bad byte \xC3( and a NUL ") + '\0' + " here";
    log->append({e});
    const auto got = log->query({});
    REQUIRE(got.size() == 1);
    CHECK(got[0].message == "bad byte \\xC3( and a NUL \\x00 here");
}

TEST_CASE("audit entries appended by two processes at once all arrive, with distinct ids",
          "[postgres][audit]") {
    AccountsPlace place("ocop-pg-audit-two");
    ocop::pg::PgAuditLog a(place.pg());
    ocop::pg::PgAuditLog b(place.pg());
    const auto [results, errors] = together(4, [&](int i) {
        for (int n = 0; n < 25; ++n) {
            AuditEntry e;
            e.received_ms = n;
            e.user = "user-" + std::to_string(i);
            e.outcome = "applied";
            e.seq = static_cast<uint64_t>(n + 1);
            (i % 2 ? b : a).append({e, e});
        }
        return 0;
    });
    for (const auto& error : errors) CHECK(error.empty());
    const auto all = a.query({});
    CHECK(all.size() == 200);
    std::set<int64_t> ids;
    for (const auto& e : all) ids.insert(e.id);
    CHECK(ids.size() == 200);
}

// ---------------------------------------------------------------------------------------------
// Login throttling across processes

namespace {

struct ThrottleCluster {
    AccountsPlace place{"ocop-pg-throttle"};
    SharedClock time;
    std::vector<std::unique_ptr<LoginThrottle>> processes;

    explicit ThrottleCluster(int n, LoginThrottlePolicy policy = {}) {
        for (int i = 0; i < n; ++i)
            processes.push_back(std::make_unique<LoginThrottle>(
                time.clock(), policy, std::make_unique<PgLoginThrottleState>(place.pg(), policy)));
    }
    LoginThrottle& operator[](size_t i) { return *processes[i % processes.size()]; }
    int64_t wait_ms(size_t i, const std::string& user, const std::string& address) {
        return (*this)[i].retry_after(user, address).count();
    }
};

}  // namespace

TEST_CASE("a guesser spreading attempts over 3 processes is locked after as many as against one",
          "[postgres][throttle]") {
    ThrottleCluster cluster(3);
    // Five wrong passwords for one name, round-robin over the processes (a load balancer).
    for (size_t i = 0; i < 4; ++i) {
        CHECK(cluster.wait_ms(i, "can.bo.xa", "10.0.0.1") == 0);
        cluster[i].record_failure("can.bo.xa", "10.0.0.1");
    }
    CHECK(cluster.wait_ms(0, "can.bo.xa", "10.0.0.1") == 0);
    cluster[4].record_failure("can.bo.xa", "10.0.0.1");
    for (size_t p = 0; p < 3; ++p) {
        INFO("process " << p);
        CHECK(cluster.wait_ms(p, "can.bo.xa", "10.9.9.9") == kMinute);  // locked everywhere
    }
    // The doubling counts across processes too.
    cluster.time.now->fetch_add(kMinute);
    CHECK(cluster.wait_ms(1, "can.bo.xa", "10.0.0.1") == 0);
    cluster[2].record_failure("can.bo.xa", "10.0.0.1");
    CHECK(cluster.wait_ms(0, "can.bo.xa", "10.0.0.1") == 2 * kMinute);
    // A success on one process clears the name for all.
    cluster[1].record_success("can.bo.xa");
    CHECK(cluster.wait_ms(2, "can.bo.xa", "10.0.0.2") == 0);

    // One address trying 20 names over the processes is locked on all of them.
    for (size_t i = 0; i < 19; ++i) {
        cluster[i].record_failure("user." + std::to_string(i), "203.0.113.7");
        CHECK(cluster.wait_ms(i + 1, "user." + std::to_string(i), "203.0.113.7") == 0);
    }
    cluster[19].record_failure("user.19", "203.0.113.7");
    for (size_t p = 0; p < 3; ++p) CHECK(cluster.wait_ms(p, "ai.do", "203.0.113.7") == kMinute);
    CHECK(cluster.wait_ms(0, "ai.do", "203.0.113.8") == 0);
}

TEST_CASE("failures recorded at the same moment by 3 processes are all counted",
          "[postgres][throttle]") {
    LoginThrottlePolicy policy;
    policy.user_free_failures = 120;  // the lock is how the count shows
    policy.address_free_failures = 1'000'000;
    ThrottleCluster cluster(3, policy);
    // 6 threads over 3 processes, 119 failures of one name in all: one short of the lock.
    const auto [results, errors] = together(6, [&](int i) {
        for (int n = 0; n < (i == 0 ? 19 : 20); ++n)
            cluster[static_cast<size_t>(i)].record_failure("can.bo.xa",
                                                           "10.0.0." + std::to_string(i));
        return 0;
    });
    for (const auto& error : errors) CHECK(error.empty());
    CHECK(cluster[0].size() == 7);  // the name and six addresses
    CHECK(cluster.wait_ms(1, "can.bo.xa", "10.9.9.9") == 0);
    // The 120th locks it: none of the 119 was lost to a concurrent read-modify-write.
    cluster[2].record_failure("can.bo.xa", "10.0.0.9");
    CHECK(cluster.wait_ms(0, "can.bo.xa", "10.9.9.9") == kMinute);
}

TEST_CASE("6 guesses at once over 3 processes lock a name at the 5th", "[postgres][throttle]") {
    ThrottleCluster cluster(3);
    const auto [results, errors] = together(6, [&](int i) {
        cluster[static_cast<size_t>(i)].record_failure("can.bo.an", "10.1.0." + std::to_string(i));
        return 0;
    });
    for (const auto& error : errors) CHECK(error.empty());
    // The 6th arrived while the 5th locked: it does not lengthen the lock-out.
    CHECK(cluster.wait_ms(0, "can.bo.an", "10.2.0.1") == kMinute);
}

TEST_CASE("stale throttle records are forgotten on PostgreSQL as in memory",
          "[postgres][throttle]") {
    ThrottleCluster cluster(2);
    for (size_t i = 0; i < 4; ++i) cluster[i].record_failure("can.bo.xa", "10.0.0.1");
    CHECK(cluster[0].size() == 2);
    cluster.time.now->fetch_add(15 * kMinute);  // the failure window has passed
    CHECK(cluster.wait_ms(1, "can.bo.xa", "10.0.0.1") == 0);
    CHECK(cluster[0].size() == 0);  // both records were stale: dropped when looked at
    cluster[0].record_failure("can.bo.xa", "10.0.0.1");
    CHECK(cluster.wait_ms(1, "can.bo.xa", "10.0.0.1") == 0);  // a fresh allowance of 5
}

TEST_CASE("accounts, audit and throttle can share the data store's connections, even just one",
          "[postgres][accounts][audit][throttle]") {
    ocop::pg::StoreOptions options;
    options.url = *ocop::test::test_pg_url();
    options.schema = ocop::test::fresh_pg_schema();
    options.max_connections = 1;  // a login that held one connection and wanted another would hang
    ocop::pg::PgStore data(options);
    SharedClock time;
    AccountStoreOptions account_options = options_at(time);
    account_options.replica_reserved = [&](const std::string& replica) {
        return replica.starts_with("server-") || data.last_applied(replica) > 0;
    };
    PgAccountStore accounts(data, account_options);
    ocop::pg::PgAuditLog audit(data);
    LoginThrottle throttle(time.clock(), {}, std::make_unique<PgLoginThrottleState>(data));

    accounts.add_user("can.bo.an", "mat-khau-an-2026");
    CHECK(error_code_of([&] {
              accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "server-1"));
          }) == errc::auth_replica_reserved);
    const Enrollment e = accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    // A login again, from a known device: the reserved check does not stand in its way.
    const Enrollment again =
        accounts.enroll(enroll_req("can.bo.an", "mat-khau-an-2026", "phone-a"));
    CHECK(again.device.id == e.device.id);
    time.now->store(kT0 + kDay * 8);
    CHECK(accounts.authenticate(again.token).rotated_token);
    AuditEntry entry;
    entry.user = "can.bo.an";
    entry.outcome = "applied";
    audit.append({entry});
    CHECK(audit.query({}).size() == 1);
    for (int i = 0; i < 5; ++i) throttle.record_failure("can.bo.an", "10.0.0.1");
    CHECK(throttle.retry_after("can.bo.an", "10.0.0.1").count() == kMinute);
    // The tables are in the data store's schema.
    auto c = raw(options);
    CHECK(c->query("SELECT count(*) FROM devices").text(0, 0) == "1");
    CHECK(c->query("SELECT count(*) FROM cells").text(0, 0) == "0");
}
