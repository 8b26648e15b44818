// Every seed of fuzz/corpus/http/ and every input under fuzz/regressions/http/ (what the HTTP fuzz
// target found, docs/fuzzing.md) sent byte for byte to a real server on a loopback port, with the
// fuzz target's invariants: the request gets exactly one answer (nothing of it is taken for a
// second request), never a 5xx, and an error answer is {"error":{"code","message"}}. The fuzz
// server's fixed device token in an input is replaced by a token this server issued, so that
// authenticated inputs take the same path as in the fuzz target.
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "ocop/server/server.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;

namespace {

const std::filesystem::path kFuzz(OCOP_FUZZ_DIR);
constexpr std::string_view kFuzzToken = "fuzz-token-0123456789";  // fuzz/fuzz_server.hpp

std::vector<std::filesystem::path> inputs(const std::string& target) {
    std::vector<std::filesystem::path> out;
    for (const auto* base : {"corpus", "regressions"})
        for (const auto& entry : std::filesystem::directory_iterator(kFuzz / base / target))
            if (entry.is_regular_file()) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Sends `bytes` on a new connection, half-closes it and reads everything the server sends back.
std::string exchange_raw(uint16_t port, const std::string& bytes) {
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(10, 0));
    socket.setReceiveTimeout(Poco::Timespan(10, 0));  // a hang fails instead of stalling
    socket.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    socket.shutdownSend();
    std::string answer;
    char buffer[4096];
    while (true) {
        const int n = socket.receiveBytes(buffer, sizeof buffer);
        if (n <= 0) break;
        answer.append(buffer, static_cast<size_t>(n));
    }
    return answer;
}

struct RegressionServer {
    TempDir dir{"ocop-fuzz-regressions"};
    Server server{[&] {
        ServerOptions o;
        o.data_dir = (dir.path() / "data").string();
        o.listen = "127.0.0.1";
        o.plain_http = true;
        o.port = 0;
        o.pbkdf2_iterations = kTestIterations;
        return o;
    }()};
    std::string token;

    RegressionServer() {
        server.accounts().add_user("fuzzer", "fuzz-password-1");
        token =
            server.accounts().enroll({"fuzzer", "fuzz-password-1", "fuzz-device", "", ""}).token;
        server.start();
    }
};

}  // namespace

TEST_CASE("HTTP fuzz inputs get exactly one JSON answer, never a 5xx", "[server][http][fuzz]") {
    // One run per input (GENERATE), so that every failing input is reported.
    const std::filesystem::path file = GENERATE(from_range(inputs("http")));
    RegressionServer s;
    {
        std::string request = read_file(file);
        for (size_t at; (at = request.find(kFuzzToken)) != std::string::npos;)
            request.replace(at, kFuzzToken.size(), s.token);
        INFO("input " << file.lexically_relative(kFuzz).string());
        const std::string raw = exchange_raw(s.server.port(), request);
        INFO("answer: " << raw.substr(0, 600));
        REQUIRE_FALSE(raw.empty());  // an answer, not a dropped connection

        // Exactly one answer, to this request: the body bytes must not be read as a second
        // request on the kept-alive connection (as they were for F2).
        std::istringstream in(raw);
        Poco::Net::HTTPResponse response;
        response.read(in);
        if (response.getStatus() == Poco::Net::HTTPResponse::HTTP_CONTINUE) {
            response.clear();  // "Expect: 100-continue" gets this first; the answer follows
            response.read(in);
        }
        CHECK(response.getVersion().rfind("HTTP/1.", 0) == 0);
        REQUIRE(response.hasContentLength());
        std::string body(static_cast<size_t>(response.getContentLength64()), '\0');
        in.read(body.data(), static_cast<std::streamsize>(body.size()));
        body.resize(static_cast<size_t>(in.gcount()));
        const std::string after((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        CHECK(after.empty());
        if (response.get("Content-Encoding", "") == "gzip")
            body = ocop::sync::gzip_decompress(body, 1 << 20);
        const int status = static_cast<int>(response.getStatus());
        CHECK(status < 500);
        const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
        REQUIRE(doc.is_object());
        if (status >= 400) {
            CHECK(doc["error"]["code"].is_string());
            CHECK(doc["error"]["message"].is_string());
        }
    }
}
