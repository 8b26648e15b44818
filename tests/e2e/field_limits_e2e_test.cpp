// ocop-field at its limits: a list cut at --limit says so on stderr and how to get the rest, and a
// sync with nothing answering ends within seconds as sync.no_connection. No server needed.
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <set>

#include "e2e_support.hpp"
#include "ocop/sync/tuning.hpp"

using namespace ocop::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

void put_inspections(const Device& d, int n) {
    for (int i = 0; i < n; ++i)
        d.ok({"put", "inspection", "kind=market_point", "site_name=Chợ " + std::to_string(i),
              "started_at=2026-11-20T08:00:00+07:00", "status=draft", "unit=" + kUnit});
}

}  // namespace

TEST_CASE("ocop-field list says when it was cut and pages on with --after", "[e2e]") {
    const auto root = temp_dir("ocop-e2e-list-limits");
    Device d{root / "phone"};
    put_inspections(d, 5);

    const RunResult cut = d.cmd({"list", "inspection", "--limit", "2"});
    REQUIRE(cut.exit_code == 0);
    const json first = json::parse(cut.out);
    REQUIRE(first.size() == 2);
    const std::string last = first.back().at("id").get<std::string>();
    INFO("stderr: " << cut.err);
    CHECK(cut.err.find("more records after " + last) != std::string::npos);
    CHECK(cut.err.find("--after " + last) != std::string::npos);

    std::set<std::string> seen;
    for (const auto& r : first) seen.insert(r.at("id").get<std::string>());
    std::string after = last;
    for (int guard = 0; guard < 5; ++guard) {
        const RunResult next = d.cmd({"list", "inspection", "--limit", "2", "--after", after});
        REQUIRE(next.exit_code == 0);
        const json page = json::parse(next.out);
        for (const auto& r : page) CHECK(seen.insert(r.at("id").get<std::string>()).second);
        if (next.err.empty()) break;
        after = page.back().at("id").get<std::string>();
    }
    CHECK(seen.size() == 5);

    SECTION("--limit 0 is all records, with nothing on stderr") {
        const RunResult all = d.cmd({"list", "inspection", "--limit", "0"});
        REQUIRE(all.exit_code == 0);
        CHECK(json::parse(all.out).size() == 5);
        CHECK(all.err.empty());
    }
    SECTION("a list that fits is not said to be cut") {
        const RunResult all = d.cmd({"list", "inspection", "--limit", "5"});
        REQUIRE(all.exit_code == 0);
        CHECK(json::parse(all.out).size() == 5);
        CHECK(all.err.empty());
    }
}

TEST_CASE("ocop-field sync with nothing answering ends within seconds", "[e2e]") {
    const auto root = temp_dir("ocop-e2e-offline-sync");
    Device d{root / "phone"};
    put_inspections(d, 1);
    int port = 0;
    {
        Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = s.address().port();
    }
    {
        // Enrolled earlier, now offline: the URL and token a login would have kept.
        ocop::SqliteStore store(d.db().string());
        store.write([&](ocop::StoreTxn& t) {
            t.set_meta("sdk_server_url", "http://127.0.0.1:" + std::to_string(port));
            t.set_meta("sdk_device_token", "token-from-an-earlier-login");
        });
    }
    const RunResult r = d.cmd({"sync"});
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("sync.no_connection") != std::string::npos);
    CHECK(r.err.find("nothing answered") != std::string::npos);
    // A few quick attempts, not the 6 with growing pauses of a lost connection.
    CHECK(nlohmann::json::parse(r.out)["failed_attempts"].get<size_t>() <=
          static_cast<size_t>(ocop::sync::tuning::max_no_connection_attempts));
}
