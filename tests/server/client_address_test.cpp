// Who sent a request behind a reverse proxy (client_address.hpp): X-Forwarded-For counts only from
// a trusted proxy, read from its right end; through a real server, the login throttle counts the
// forwarded address, and a trusted proxy's connections are not capped per address.
#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>

#include <thread>

#include "live_server_fixture.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/client_address.hpp"
#include "ocop/server/server.hpp"
#include "raw_client.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;
using Poco::Net::IPAddress;
namespace errc = ocop::errc;

TEST_CASE("a trusted proxy's X-Forwarded-For names the client, anyone else's is ignored",
          "[server][proxy]") {
    const TrustedProxies proxies = TrustedProxies::parse(" 127.0.0.1, ::1 ,10.0.0.5");
    REQUIRE(proxies.addresses().size() == 3);
    const IPAddress haproxy("127.0.0.1"), device("203.0.113.7"), other("198.51.100.9");

    CHECK(proxies.client_of(haproxy, "203.0.113.7") == device);
    // What the client wrote itself stays to the left of what the proxy appended.
    CHECK(proxies.client_of(haproxy, "1.2.3.4, 203.0.113.7") == device);
    // A chain of trusted proxies is walked through to the first untrusted hop.
    CHECK(proxies.client_of(haproxy, "198.51.100.9, 203.0.113.7, 10.0.0.5") == device);
    CHECK(proxies.client_of(IPAddress("::1"), "2001:db8::1") == IPAddress("2001:db8::1"));
    // From a peer that is not a proxy the header is the client's own claim: ignored.
    CHECK(proxies.client_of(other, "203.0.113.7") == other);
    // No header, garbage where the proxy's entry should be, or only proxies: the peer.
    CHECK(proxies.client_of(haproxy, "") == haproxy);
    CHECK(proxies.client_of(haproxy, "203.0.113.7, not-an-address") == haproxy);
    CHECK(proxies.client_of(haproxy, "10.0.0.5, 127.0.0.1") == haproxy);

    CHECK(TrustedProxies::parse("").empty());
    CHECK(TrustedProxies().client_of(haproxy, "203.0.113.7") == haproxy);
    CHECK_THROWS_AS(TrustedProxies::parse("127.0.0.1, haproxy.local"),
                    Poco::InvalidArgumentException);
}

namespace {

struct ProxiedServer {
    TempDir dir{"ocop-server-proxied"};
    Server server;
    uint16_t port = 0;

    explicit ProxiedServer(const std::string& trusted)
        : server([&] {
              ServerOptions o = live_options(dir.path() / "data");
              o.max_threads = 8;
              o.trusted_proxies = TrustedProxies::parse(trusted);
              // Only addresses lock in this test, after 3 failures.
              o.login_throttle.address_free_failures = 3;
              o.login_throttle.user_free_failures = 1'000'000;
              o.watchdog.max_connections_per_address = 2;
              return o;
          }()) {
        server.accounts().add_user("can.bo.xa", "mat-khau-xa-2026");
        server.start();
        port = server.port();
    }

    Reply wrong_login(const std::string& forwarded_for) {
        return post_json(port, "/v1/login",
                         json{{"user", "can.bo.xa"},
                              {"password", "sai"},
                              {"replica", "phone-a"},
                              {"device_name", "test"},
                              {"app_version", "tests/0.1.0"}}
                             .dump(),
                         {{"X-Forwarded-For", forwarded_for}});
    }
};

}  // namespace

TEST_CASE("behind a trusted proxy the login throttle counts each device's own address",
          "[server][http][proxy][throttle]") {
    ProxiedServer f("127.0.0.1");
    for (int i = 0; i < 3; ++i) REQUIRE(f.wrong_login("203.0.113.7").status == 401);
    const Reply locked = f.wrong_login("203.0.113.7");
    CHECK(locked.status == 429);
    CHECK(locked.error_code() == errc::auth_throttled);
    // Another officer behind the same proxy is not locked out by the guesser.
    CHECK(f.wrong_login("203.0.113.8").status == 401);
    // Nor can the guesser escape by writing another address left of the proxy's.
    CHECK(f.wrong_login("198.51.100.1, 203.0.113.7").status == 429);
}

TEST_CASE("from a peer that is not a trusted proxy X-Forwarded-For changes nothing",
          "[server][http][proxy][throttle]") {
    ProxiedServer f("10.0.0.5");  // not the test's own address
    for (int i = 0; i < 3; ++i)
        REQUIRE(f.wrong_login("203.0.113." + std::to_string(i)).status == 401);
    // Every attempt counted against 127.0.0.1, whatever each claimed.
    CHECK(f.wrong_login("203.0.113.99").status == 429);
}

TEST_CASE("a trusted proxy's connections are not capped per address, others' are",
          "[server][http][proxy][slow]") {
    ProxiedServer f("127.0.0.2");
    const std::string request =
        "GET /v1/health HTTP/1.1\r\nHost: ocop\r\nConnection: close\r\n\r\n";
    const auto open_idle = [&](const std::string& from, int n) {
        std::vector<std::unique_ptr<RawClient>> idle;
        for (int i = 0; i < n; ++i) idle.push_back(std::make_unique<RawClient>(f.port, from));
        return idle;
    };
    const auto wait_for = [&](size_t n) {
        for (int i = 0; i < 500 && f.server.watchdog()->connections() < n; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return f.server.watchdog()->connections() >= n;
    };
    {  // The proxy holds 4 connections (over the cap of 2) and a fifth is still served.
        const auto idle = open_idle("127.0.0.2", 4);
        REQUIRE(wait_for(4));
        RawClient fifth(f.port, "127.0.0.2");
        REQUIRE(fifth.send(request));
        CHECK(RawClient::status_of(fifth.read_until_closed(std::chrono::seconds(5))) == 200);
    }
    for (int i = 0; i < 500 && f.server.watchdog()->connections() > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(f.server.watchdog()->connections() == 0);
    {  // An address that is not a proxy gets 503 past its two.
        const auto idle = open_idle("127.0.0.3", 2);
        REQUIRE(wait_for(2));
        RawClient third(f.port, "127.0.0.3");
        REQUIRE(third.send(request));
        const std::string answer = third.read_until_closed(std::chrono::seconds(5));
        REQUIRE(RawClient::status_of(answer) == 503);
        CHECK(json::parse(RawClient::body_of(answer))["error"]["code"] ==
              errc::http_too_many_connections);
    }
}
