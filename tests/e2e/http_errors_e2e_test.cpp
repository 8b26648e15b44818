// The real server's answers to bad input: every one a JSON error with a stable code, and nothing
// stored is lost.
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include "e2e_support.hpp"

#include "ocop/sync/gzip.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

std::string error_code(const ocop::sync::HttpReply& r) {
    INFO("body: " << r.body);
    const json doc = json::parse(r.body);
    return doc.at("error").at("code").get<std::string>();
}

}  // namespace

TEST_CASE("bad tokens, malformed and oversized bodies get JSON errors", "[e2e]") {
    const auto root = temp_dir("ocop-e2e-errors");
    const auto data = root / "server";
    add_user(data, "can.bo.xa", "mat-khau-xa-2026");
    const std::string unit = "0192a000-0000-7000-8000-000000000001";
    grant(data, "can.bo.xa", "inspector", unit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    ocop::sync::HttpTransport http(server.url());

    Device a{root / "phone"};
    a.login(server.url(), "can.bo.xa", "mat-khau-xa-2026");
    a.ok({"put", "inspection", "kind=market_point", "site_name=Chợ Mỹ Hòa Hưng",
          "started_at=2026-11-20T08:00:00+07:00", "status=draft", "unit=" + unit});
    REQUIRE(a.cmd({"sync"}).exit_code == 0);

    SECTION("wrong password") {
        const auto r = http.post("/v1/login",
                                 json{{"user", "can.bo.xa"},
                                      {"password", "sai-mat-khau-1"},
                                      {"replica", "r1"},
                                      {"device_name", "x"}}
                                     .dump(),
                                 "");
        CHECK(r.status == 401);
        CHECK(error_code(r) == "auth.bad_credentials");
    }
    SECTION("sync without and with a bad token") {
        const auto none = http.post("/v1/sync", "{}", "");
        CHECK(none.status == 401);
        CHECK(error_code(none) == "auth.missing_token");
        const auto bad = http.post("/v1/sync", "{}", "not-a-real-token");
        CHECK(bad.status == 401);
        CHECK(error_code(bad) == "auth.invalid_token");
    }
    SECTION("a device whose token was tampered with is refused and keeps its data") {
        {
            ocop::SqliteStore store(a.db().string());
            store.write([](ocop::StoreTxn& t) { t.set_meta("sdk_device_token", "forged"); });
        }
        a.ok({"put", "inspection", "kind=market_point", "site_name=Chợ Long Xuyên",
              "started_at=2026-11-21T08:00:00+07:00", "status=draft", "unit=" + unit});
        const RunResult r = a.cmd({"sync"});
        CHECK(r.exit_code == 3);
        CHECK(r.err.find("auth.invalid_token") != std::string::npos);
        CHECK(a.ok({"status"})["pending"] == 1);
    }
    SECTION("malformed and oversized bodies") {
        const auto login = http.post("/v1/login",
                                     json{{"user", "can.bo.xa"},
                                          {"password", "mat-khau-xa-2026"},
                                          {"replica", "tool-replica"},
                                          {"device_name", "curl"}}
                                         .dump(),
                                     "");
        REQUIRE(login.status == 200);
        const std::string token = json::parse(login.body)["token"];
        const auto not_json = http.post("/v1/sync", "{\"v\":1,", token);
        CHECK(not_json.status == 400);
        CHECK(error_code(not_json) == "sync.malformed");
        const auto wrong_shape = http.post("/v1/sync", "[1,2,3]", token);
        CHECK(wrong_shape.status == 400);
        const auto future =
            http.post("/v1/sync", json{{"v", 99}, {"replica", "tool-replica"}}.dump(), token);
        CHECK(future.status == 400);
        CHECK(error_code(future) == "sync.version_unsupported");
        // A body declared larger than the 16 MiB limit is refused before a byte of it is read:
        // send only the head, as a client honouring an early answer would, and read the answer.
        {
            Poco::Net::StreamSocket raw(Poco::Net::SocketAddress("127.0.0.1", server.port()));
            raw.setReceiveTimeout(Poco::Timespan(10, 0));
            const std::string head =
                "POST /v1/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer " +
                token +
                "\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(17 * 1024 * 1024) + "\r\n\r\n";
            raw.sendBytes(head.data(), static_cast<int>(head.size()));
            std::string answer;
            char buf[4096];
            for (int n; (n = raw.receiveBytes(buf, sizeof buf)) > 0;) answer.append(buf, n);
            CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
            CHECK(answer.find("http.body_too_large") != std::string::npos);
        }
        // 70 MiB of spaces compress to almost nothing but inflate beyond the 64 MiB limit.
        const auto bomb = http.post("/v1/sync", std::string(70 * 1024 * 1024, ' '), token);
        CHECK(bomb.status == 413);
        CHECK(error_code(bomb) == "http.body_too_large");
        const auto unknown = http.post("/v1/nothing-here", "{}", token);
        CHECK(unknown.status == 404);
        CHECK(error_code(unknown) == "http.not_found");
    }

    // Whatever was refused, what the server stored is intact.
    const auto health = http.get("/v1/health");
    REQUIRE(health.status == 200);
    CHECK(json::parse(health.body)["head"].get<int>() >= 4);
    server.stop();
    std::filesystem::remove_all(root);
}
