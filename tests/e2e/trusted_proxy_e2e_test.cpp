// ocop-server behind a reverse proxy on its host, as packaging/haproxy/ocop-server.cfg deploys it:
// with --trusted-proxies the log names the device's forwarded address, and a bad proxy list or
// connection cap stops the server with one line before anything is written.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>

#include "tls_support.hpp"

using namespace ocop::test;

namespace {

// A wrong-password login as haproxy forwards it (X-Forwarded-For appended); the status answered.
int forwarded_login(int port, const std::string& forwarded_for) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/v1/login",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string body =
        R"({"user":"can.bo.xa","password":"sai","replica":"phone-proxy","device_name":"t"})";
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    req.set("X-Forwarded-For", forwarded_for);
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::string ignored;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), ignored);
    return static_cast<int>(resp.getStatus());
}

}  // namespace

TEST_CASE("behind a trusted proxy the server logs the device's forwarded address", "[e2e][proxy]") {
    const auto root = temp_dir("ocop-e2e-proxy");
    const auto data = root / "server";
    add_user(data, "can.bo.xa", "mat-khau-xa-2026");
    const int port = free_port();
    ServerProcess trusting(server_bin, data, port, {"--trusted-proxies", "127.0.0.1, ::1"});
    trusting.capture_output("information");
    trusting.start();
    CHECK(forwarded_login(port, "198.51.100.1, 203.0.113.7") == 401);
    REQUIRE(trusting.stop() == 0);
    const std::string log = trusting.output();
    INFO(log);
    // The access log and the auth log name the address haproxy appended, not the proxy's own
    // and not what the client wrote to the left of it.
    CHECK(log.find("peer=203.0.113.7") != std::string::npos);
    CHECK(log.find("from 203.0.113.7") != std::string::npos);
    CHECK(log.find("198.51.100.1") == std::string::npos);

    // Without the option the header is the client's claim: the peer is logged.
    ServerProcess plain(server_bin, data, port);
    plain.capture_output("information");
    plain.start();
    CHECK(forwarded_login(port, "203.0.113.7") == 401);
    REQUIRE(plain.stop() == 0);
    CHECK(plain.output().find("peer=127.0.0.1") != std::string::npos);
    CHECK(plain.output().find("203.0.113.7") == std::string::npos);
}

TEST_CASE("ocop-server refuses a bad proxy list, connection cap or work slots with one line",
          "[e2e][proxy]") {
    const auto root = temp_dir("ocop-e2e-proxy-refuse");
    const auto data = root / "server";
    const auto refused = [&](std::vector<std::string> extra, const std::string& reason) {
        std::vector<std::string> args = {"--data", data.string(), "--port",
                                         std::to_string(free_port()), "--plain-http"};
        args.insert(args.end(), extra.begin(), extra.end());
        const RunResult r = run_to_exit(server_bin, args);
        INFO("stderr: " << r.err);
        CHECK(r.exit_code == 78);  // EX_CONFIG
        CHECK(r.err.find(reason) != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        CHECK(!std::filesystem::exists(data));
    };
    refused({"--trusted-proxies", "127.0.0.1, haproxy.local"},
            "trusted proxy 'haproxy.local' is not an IP address");
    refused({"--max-connections-per-address", "0"},
            "server.max_connections_per_address must be 1-4096, not 0");
    refused({"--sync-work-slots", "-1"}, "server.sync_work_slots must be 1-1024");
}
