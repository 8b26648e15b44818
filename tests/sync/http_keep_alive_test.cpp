// Client keep-alive (issue #18, item 3): a sync run over HttpTransport keeps one connection for
// all its requests, so over HTTPS it costs one TLS handshake, not one per request; a kept
// connection the server closed while idle is reopened once without the run noticing. Against a
// live Poco HTTP(S) server on a loopback port that serves a SyncService and counts the
// connections it accepted.
#include <catch2/catch.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "ocop/sync/http_transport.hpp"
#include "sync_test_support.hpp"

using namespace ocop;
using namespace ocop::sync;
using namespace ocop::sync::test;

namespace {

// /v1/sync as the server answers it (gzip both ways, errors as JSON), for one device.
class SyncHandler final : public Poco::Net::HTTPRequestHandler {
  public:
    SyncHandler(SyncService& service, const Principal& who) : service_(service), who_(who) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
        std::string raw;
        Poco::StreamCopier::copyToString(request.stream(), raw);
        std::string answer;
        int status = 200;
        try {
            const std::string body =
                request.get("Content-Encoding", "") == "gzip"
                    ? gzip_decompress(raw, sync::tuning::max_inflated_body_bytes)
                    : raw;
            answer = wire::encode(service_.handle(wire::decode_request(body), who_));
        } catch (const Error& e) {
            status = http_status_for(e.kind());
            answer = wire::error_body(e.code(), e.what());
        }
        const std::string compressed = gzip_compress(answer);
        response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        response.setContentType("application/json");
        response.set("Content-Encoding", "gzip");
        response.setContentLength(static_cast<std::streamsize>(compressed.size()));
        response.send().write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
    }

  private:
    SyncService& service_;
    const Principal& who_;
};

class SyncHandlers final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    SyncHandlers(SyncService& service, const Principal& who) : service_(service), who_(who) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new SyncHandler(service_, who_);
    }

  private:
    SyncService& service_;
    const Principal& who_;
};

// A self-signed certificate for 127.0.0.1, made with the openssl command, removed afterwards.
struct TestCertificate {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("ocop-keep-alive-" + std::to_string(::getpid()));
    std::filesystem::path cert = dir / "cert.pem";
    std::filesystem::path key = dir / "key.pem";
    TestCertificate() {
        std::filesystem::create_directories(dir);
        const std::string cmd =
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" +
            key.string() + "' -out '" + cert.string() +
            "' -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    ~TestCertificate() { std::filesystem::remove_all(dir); }
};

// The server half on a loopback port, plain or TLS, with a keep-alive timeout.
struct LiveSyncServer {
    Server& state;
    Principal who;
    std::unique_ptr<Poco::Net::HTTPServer> http;
    uint16_t port = 0;

    LiveSyncServer(Server& s, Principal principal, Poco::Timespan keep_alive,
                   const TestCertificate* tls = nullptr)
        : state(s), who(std::move(principal)) {
        const Poco::Net::SocketAddress address("127.0.0.1", 0);
        Poco::Net::ServerSocket socket =
            tls ? Poco::Net::SecureServerSocket(
                      address, 64,
                      new Poco::Net::Context(Poco::Net::Context::SERVER_USE, tls->key.string(),
                                             tls->cert.string(), "",
                                             Poco::Net::Context::VERIFY_NONE))
                : Poco::Net::ServerSocket(address, 64);
        port = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams;
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(keep_alive);
        params->setMaxThreads(2);
        http = std::make_unique<Poco::Net::HTTPServer>(new SyncHandlers(state.service, who), socket,
                                                       params);
        http->start();
    }
    ~LiveSyncServer() { http->stopAll(true); }

    std::string url(bool tls) const {
        return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
    }
    int accepted() const { return http->totalConnections(); }
    // Until the server has closed every connection (its keep-alive timeout passed); bounded.
    bool all_closed() const {
        for (int i = 0; i < 1000 && http->currentConnections() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return http->currentConnections() == 0;
    }
};

SyncReport sync_over(Device& d, Transport& transport, SyncOptions options = {}) {
    options.sleep = [](std::chrono::milliseconds) {};
    SyncClient client(d.replica, transport, "token", options, &d.offset, d.raw.fn());
    return client.run();
}

// 40 cells on the server, written by another device.
void seed(Server& s) {
    Device b(s, "dev-b");
    for (int i = 0; i < 10; ++i)
        b.put(uuid_for(100 + i), unit_fields("U" + std::to_string(i), "Xã " + std::to_string(i)));
    REQUIRE(b.sync().complete);
}

struct SslScope {
    SslScope() { Poco::Net::initializeSSL(); }
    ~SslScope() { Poco::Net::uninitializeSSL(); }
};

}  // namespace

TEST_CASE("keep-alive: a sync run of many requests opens one connection", "[http][keepalive]") {
    Server s;
    seed(s);
    Device a(s, "dev-a");
    LiveSyncServer live(s, a.transport.principal(), Poco::Timespan(5, 0));
    a.put(uuid_for(1), unit_fields("A", "Xã A"));

    HttpTransport http(live.url(false));
    SyncOptions options;
    options.page_cells = 8;
    const SyncReport report = sync_over(a, http, options);
    INFO(report.error_code << ": " << report.error_message);
    REQUIRE(report.complete);
    CHECK(report.progress.requests >= 5);
    CHECK(http.connections_opened() == 1);
    CHECK(live.accepted() == 1);
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("keep-alive: a connection the server closed while idle is reopened transparently",
          "[http][keepalive]") {
    Server s;
    seed(s);
    Device a(s, "dev-a");
    // The server closes an idle connection after 100 ms, long before the client would give up
    // on it by itself (tuning::keep_alive_idle): the client finds it closed on its next request.
    LiveSyncServer live(s, a.transport.principal(), Poco::Timespan(0, 100 * 1000));
    HttpTransport http(live.url(false));

    a.put(uuid_for(1), unit_fields("A", "Xã A"));
    REQUIRE(sync_over(a, http).complete);
    CHECK(http.connections_opened() == 1);
    REQUIRE(live.all_closed());

    a.put(uuid_for(2), unit_fields("B", "Xã B"));
    const SyncReport second = sync_over(a, http);
    INFO(second.error_code << ": " << second.error_message);
    REQUIRE(second.complete);
    CHECK(second.progress.failed_attempts == 0);  // the run never saw the closed connection
    CHECK(second.progress.pushed == 1);
    CHECK(http.connections_opened() == 2);
    CHECK(live.accepted() == 2);
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("keep-alive: over HTTPS a sync run costs one TLS handshake", "[http][keepalive][tls]") {
    SslScope ssl;
    TestCertificate cert;
    Server s;
    seed(s);
    Device a(s, "dev-a");
    LiveSyncServer live(s, a.transport.principal(), Poco::Timespan(5, 0), &cert);
    HttpOptions tls;
    tls.ca_file = cert.cert.string();
    SyncOptions options;
    options.page_cells = 8;

    {
        HttpTransport http(live.url(true), tls);
        a.put(uuid_for(1), unit_fields("A", "Xã A"));
        const SyncReport report = sync_over(a, http, options);
        INFO(report.error_code << ": " << report.error_message);
        REQUIRE(report.complete);
        CHECK(report.progress.requests >= 5);
        CHECK(http.connections_opened() == 1);
        CHECK(live.accepted() == 1);
    }
    // The next run (a new transport, as the SDK makes one per run): one more handshake.
    HttpTransport http(live.url(true), tls);
    a.put(uuid_for(2), unit_fields("B", "Xã B"));
    REQUIRE(sync_over(a, http, options).complete);
    CHECK(http.connections_opened() == 1);
    CHECK(live.accepted() == 2);
    CHECK(snapshot(a.store) == snapshot(s.store));
}
