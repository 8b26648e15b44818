// Login throttling: the LoginThrottle class on a hand-moved clock (lock-out growth, reset on
// success, per user name and per address, bounded memory), and POST /v1/login through a real
// server: the 6th wrong password within the window is answered 429 auth.throttled with
// Retry-After, and so is the right password until the lock-out ends.
#include <Poco/Net/IPAddress.h>

#include <chrono>

#include "ocop/core/error_codes.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/server.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using namespace std::chrono_literals;
using nlohmann::json;
namespace errc = ocop::errc;

namespace {

constexpr int64_t kMinute = 60'000;

// A clock the test moves by hand.
struct ManualClock {
    std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1'790'000'000'000);
    ocop::PhysicalClock clock() const {
        return [now = now] { return *now; };
    }
    void advance(int64_t ms) { *now += ms; }
};

int64_t wait_ms(LoginThrottle& t, const std::string& user, const std::string& address) {
    return t.retry_after(user, address).count();
}

}  // namespace

TEST_CASE("the 5th failure locks a user name out for a minute, then doubling up to an hour",
          "[server][throttle]") {
    ManualClock time;
    LoginThrottle t(time.clock());
    for (int i = 0; i < 4; ++i) {
        CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);
        t.record_failure("can.bo.xa", "10.0.0.1");
    }
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);  // four mistakes: nothing happens
    t.record_failure("can.bo.xa", "10.0.0.1");
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 1 * kMinute);
    // The lock is on the user name, whatever address the next attempt comes from.
    CHECK(wait_ms(t, "can.bo.xa", "10.9.9.9") == 1 * kMinute);
    CHECK(wait_ms(t, "can.bo.khac", "10.0.0.1") == 0);  // and only on that name
    time.advance(30'000);
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 30'000);

    // After each lock-out, one more failure locks again for twice as long, capped at an hour.
    int64_t expected = kMinute;
    for (int lockout = 2; lockout <= 9; ++lockout) {
        time.advance(wait_ms(t, "can.bo.xa", "10.0.0.1"));
        REQUIRE(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);
        t.record_failure("can.bo.xa", "10.0.0.1");
        expected = std::min(expected * 2, 60 * kMinute);
        INFO("lock-out " << lockout);
        CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == expected);
    }
    CHECK(expected == 60 * kMinute);  // 2, 4, 8, 16, 32, 60, 60, 60 minutes

    // Waiting out a lock-out does not restore the free allowance: the name stays remembered
    // until it has had no failure for a day.
    time.advance(60 * kMinute + 20 * kMinute);
    t.record_failure("can.bo.xa", "10.0.0.1");
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 60 * kMinute);
    time.advance(60 * kMinute + 24 * 60 * kMinute);
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);
    t.record_failure("can.bo.xa", "10.0.0.1");
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);  // forgotten: back to 5 free failures
}

TEST_CASE("failures spread over more than the window do not lock", "[server][throttle]") {
    ManualClock time;
    LoginThrottle t(time.clock());
    for (int i = 0; i < 20; ++i) {
        t.record_failure("can.bo.xa", "10.0.0.1");
        CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);
        time.advance(4 * kMinute);  // at most 4 failures in any 15 minutes
    }
}

TEST_CASE("a successful login clears the user name's record but not the address's",
          "[server][throttle]") {
    ManualClock time;
    LoginThrottle t(time.clock());
    for (int i = 0; i < 4; ++i) t.record_failure("can.bo.xa", "10.0.0.1");
    t.record_success("can.bo.xa");
    for (int i = 0; i < 4; ++i) t.record_failure("can.bo.xa", "10.0.0.1");
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.1") == 0);  // 8 failures, but 4 since the success

    // A success also ends a lock-out of the name (the right password from a device that was
    // let through before the lock, or after it ended).
    t.record_failure("can.bo.xa", "10.0.0.1");
    REQUIRE(wait_ms(t, "can.bo.xa", "10.0.0.2") == kMinute);
    t.record_success("can.bo.xa");
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.2") == 0);
    // The address keeps its 9 failures: 11 more lock it (20 per address).
    for (int i = 0; i < 10; ++i) t.record_failure("nguoi." + std::to_string(i), "10.0.0.1");
    CHECK(wait_ms(t, "ai.do", "10.0.0.1") == 0);
    t.record_failure("nguoi.cuoi", "10.0.0.1");
    CHECK(wait_ms(t, "ai.do", "10.0.0.1") == kMinute);
}

TEST_CASE("one address guessing many user names is locked out after 20 failures",
          "[server][throttle]") {
    ManualClock time;
    LoginThrottle t(time.clock());
    for (int i = 0; i < 19; ++i) {
        t.record_failure("user." + std::to_string(i), "203.0.113.7");
        CHECK(wait_ms(t, "user." + std::to_string(i), "203.0.113.7") == 0);
    }
    t.record_failure("user.19", "203.0.113.7");
    CHECK(wait_ms(t, "can.bo.xa", "203.0.113.7") == kMinute);  // any name from that address
    CHECK(wait_ms(t, "can.bo.xa", "203.0.113.8") == 0);        // not from its neighbour
    CHECK(wait_ms(t, "user.1", "198.51.100.1") == 0);          // each name failed once only
}

TEST_CASE("an IPv6 peer is counted by its /64, an IPv4-mapped one as IPv4", "[server][throttle]") {
    using Poco::Net::IPAddress;
    CHECK(LoginThrottle::address_key(IPAddress("203.0.113.7")) == "203.0.113.7");
    CHECK(LoginThrottle::address_key(IPAddress("::ffff:203.0.113.7")) == "203.0.113.7");
    CHECK(LoginThrottle::address_key(IPAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd")) ==
          "2001:db8:1:2::/64");
    CHECK(LoginThrottle::address_key(IPAddress("2001:db8:1:2::1")) ==
          LoginThrottle::address_key(IPAddress("2001:db8:1:2:ffff::9")));
}

TEST_CASE("memory is bounded: beyond the cap the record that failed longest ago goes",
          "[server][throttle]") {
    ManualClock time;
    LoginThrottle::Policy policy;
    policy.max_entries = 100;
    policy.address_free_failures = 1'000'000;  // only the user names lock in this test
    LoginThrottle t(time.clock(), policy);
    for (int i = 0; i < 5; ++i) t.record_failure("can.bo.xa", "10.0.0.1");
    REQUIRE(wait_ms(t, "can.bo.xa", "10.0.0.2") == kMinute);
    CHECK(t.size() == 2);  // the name and the address

    // A flood of made-up names (each long: the key is bounded too) from one address.
    const std::string filler(10'000, 'x');
    for (int i = 0; i < 1000; ++i) {
        time.advance(1);
        t.record_failure(std::to_string(i) + filler, "10.0.0.1");
        REQUIRE(t.size() <= 100);
    }
    CHECK(t.size() == 100);
    // can.bo.xa failed longest ago: it was dropped (the address kept failing, so it stayed).
    CHECK(wait_ms(t, "can.bo.xa", "10.0.0.2") == 0);
}

// ---------------------------------------------------------------------------------------------
// Through the HTTP server

namespace {

struct ThrottledServer {
    TempDir dir{"ocop-server-throttle"};
    ManualClock time;
    Server server{options()};
    uint16_t port = 0;

    ServerOptions options() {
        ServerOptions o;
        o.data_dir = (dir.path() / "data").string();
        o.listen = "127.0.0.1";
        o.plain_http = true;
        o.port = 0;
        o.pbkdf2_iterations = kTestIterations;
        o.max_threads = 4;
        o.login_throttle_clock = time.clock();
        return o;
    }

    ThrottledServer() {
        server.accounts().add_user("can.bo.xa", "mat-khau-xa-2026");
        server.start();
        port = server.port();
    }

    Reply login(const std::string& password, const std::string& replica = "phone-a") {
        return post_json(port, "/v1/login",
                         json{{"user", "can.bo.xa"},
                              {"password", password},
                              {"replica", replica},
                              {"device_name", "test"},
                              {"app_version", "tests/0.1.0"}}
                             .dump());
    }
};

}  // namespace

TEST_CASE("the 6th wrong password within the window is answered 429 auth.throttled",
          "[server][http][throttle]") {
    ThrottledServer f;
    for (int i = 1; i <= 5; ++i) {  // one every 10 s
        if (i > 1) f.time.advance(10'000);
        const Reply wrong = f.login("mat-khau-sai-" + std::to_string(i));
        INFO("attempt " << i);
        REQUIRE(wrong.status == 401);
        CHECK(wrong.error_code() == errc::auth_bad_credentials);
        CHECK(wrong.header("retry-after").empty());
    }
    const Reply sixth = f.login("mat-khau-sai-6");
    CHECK(sixth.status == 429);
    CHECK(sixth.error_code() == errc::auth_throttled);
    CHECK(sixth.header("retry-after") == "60");
    CHECK(sixth.json()["error"]["message"].get<std::string>().find("60 s") != std::string::npos);

    // The right password is refused too while locked out, without being checked: no device is
    // enrolled.
    f.time.advance(15'500);
    const Reply right = f.login("mat-khau-xa-2026");
    CHECK(right.status == 429);
    CHECK(right.error_code() == errc::auth_throttled);
    CHECK(right.header("retry-after") == "45");  // 44.5 s left, rounded up
    CHECK(f.server.accounts().devices().empty());

    // Once the lock-out is over the right password works, and clears the name's record.
    f.time.advance(45'000);
    const Reply ok = f.login("mat-khau-xa-2026");
    REQUIRE(ok.status == 200);
    CHECK(f.server.accounts().devices().size() == 1);
    const Reply again = f.login("mat-khau-sai-7", "phone-b");
    CHECK(again.status == 401);  // a fresh allowance, not an immediate 2-minute lock-out
}
