// Offline, a sync run must say "no connection" within seconds; a link that was made and then
// broke keeps its own codes (sync.network, sync.timeout).
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sync/http_transport.hpp"
#include "ocop/sync/tuning.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

fs::path fresh_dir(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

// A loopback port that was free a moment ago and that nobody listens on now.
int unused_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = s.address().port();
    s.close();
    return port;
}

// Accepts connections on the loopback and, for each, reads a little and then closes it at once
// (`hang` false) or holds it open without answering (`hang` true).
class MuteServer {
  public:
    explicit MuteServer(bool hang)
        : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)), hang_(hang) {
        port_ = listener_.address().port();
        thread_ = std::thread([this] { loop(); });
    }
    ~MuteServer() {
        stop_ = true;
        thread_.join();
    }
    int port() const { return port_; }

  private:
    void loop() {
        std::vector<Poco::Net::StreamSocket> held;
        while (!stop_) {
            if (!listener_.poll(Poco::Timespan(0, 50000), Poco::Net::Socket::SELECT_READ)) continue;
            Poco::Net::StreamSocket s = listener_.acceptConnection();
            char buf[256];
            s.setReceiveTimeout(Poco::Timespan(0, 200000));
            try {
                s.receiveBytes(buf, sizeof buf);
            } catch (const Poco::Exception&) {
            }
            if (hang_)
                held.push_back(s);
            else
                s.close();
        }
    }
    Poco::Net::ServerSocket listener_;
    bool hang_;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::string code_of_post(ocop::sync::HttpTransport& http) {
    try {
        http.post("/v1/sync", "{}", "token");
    } catch (const ocop::Error& e) {
        CHECK(e.may_be_transient());
        return e.code();
    }
    return "answered";
}

}  // namespace

TEST_CASE("a sync run with nothing answering ends within seconds as sync.no_connection") {
    const fs::path dir = fresh_dir("ocop-offline-sync");
    auto db = ocop::sdk::Database::open((dir / "phone.db").string());
    const std::string url = "http://127.0.0.1:" + std::to_string(unused_port());
    ocop::sync::HttpTransport http(url);

    const auto report = db->sync_via(http);  // the real backoff, the real sleep

    CHECK_FALSE(report.complete);
    CHECK(report.error_code == ocop::errc::sync_no_connection);
    CHECK(report.error_transient);  // the app may try again later
    CHECK(report.error_message.find("nothing answered at 127.0.0.1") != std::string::npos);
    // Before, a run retried 6 times with growing pauses (18 s); a person offline is told after
    // the few quick attempts the no-connection budget allows (about 1 s here: docs/security.md).
    CHECK(report.progress.failed_attempts <=
          static_cast<size_t>(ocop::sync::tuning::max_no_connection_attempts));
    CHECK(db->status().last_error.rfind(ocop::errc::sync_no_connection, 0) == 0);
    fs::remove_all(dir);
}

TEST_CASE("one request to a port nobody listens on fails at once as sync.no_connection") {
    ocop::sync::HttpTransport http("http://127.0.0.1:" + std::to_string(unused_port()));
    CHECK(code_of_post(http) == ocop::errc::sync_no_connection);
}

TEST_CASE("a connection that was made and then closed is sync.network, not no_connection") {
    MuteServer server(/*hang=*/false);
    ocop::sync::HttpTransport http("http://127.0.0.1:" + std::to_string(server.port()));
    CHECK(code_of_post(http) == ocop::errc::sync_network);
}

TEST_CASE("a connection that was made and then hangs is sync.timeout") {
    MuteServer server(/*hang=*/true);
    ocop::sync::HttpOptions options;
    options.request_timeout = 1s;
    ocop::sync::HttpTransport http("http://127.0.0.1:" + std::to_string(server.port()), options);
    CHECK(code_of_post(http) == ocop::errc::sync_timeout);
}
