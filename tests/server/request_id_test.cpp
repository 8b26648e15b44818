// Every answer names its request: X-Request-Id is the client's own id when it is sane (length and
// characters), otherwise one the server made; the same id is in the JSON error body, in the
// access-log line and in every line logged while the request was handled.
#include <Poco/Net/HTTPRequest.h>

#include <regex>
#include <set>

#include "live_server_fixture.hpp"
#include "log_capture.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/log_formatter.hpp"

using namespace ocop;
using namespace ocop::server;
using namespace ocop::server::test;

namespace {

Call get_call(const std::string& path, std::map<std::string, std::string> headers = {}) {
    return Call{Poco::Net::HTTPRequest::HTTP_GET, path, std::nullopt, std::move(headers),
                std::nullopt};
}

const std::regex kServerMade("[A-Za-z0-9_-]{16}");

}  // namespace

TEST_CASE("request id: a sane client id is kept, anything else is replaced", "[request_id]") {
    CHECK(accepted_request_id("abc-123_X.y") == "abc-123_X.y");
    CHECK(accepted_request_id(std::string(max_request_id_length, 'a')));
    CHECK_FALSE(accepted_request_id(std::string(max_request_id_length + 1, 'a')));
    CHECK_FALSE(accepted_request_id(""));
    for (const char* bad : {"a b", "a\nb", "a\"b", "a:b", "ä", "a/b", "<script>"})
        CHECK_FALSE(accepted_request_id(bad));
    std::set<std::string> made;
    for (int i = 0; i < 100; ++i) {
        const std::string id = new_request_id();
        CHECK(std::regex_match(id, kServerMade));
        CHECK(accepted_request_id(id) == id);  // what the server makes it would also accept
        made.insert(id);
    }
    CHECK(made.size() == 100);
}

TEST_CASE("request id: echoed in the answer header and the JSON error body", "[request_id]") {
    LiveServer live;
    const Reply ok = http(live.port, get_call("/v1/health", {{"X-Request-Id", "probe-42.a_b"}}));
    CHECK(ok.status == 200);
    CHECK(ok.header("x-request-id") == "probe-42.a_b");

    const Reply missing = http(live.port, get_call("/nope", {{"X-Request-Id", "trace-7"}}));
    CHECK(missing.status == 404);
    CHECK(missing.header("x-request-id") == "trace-7");
    CHECK(missing.error_code() == errc::http_not_found);
    CHECK(missing.json()["error"]["request_id"] == "trace-7");

    // A forged or oversized id is replaced by one of the server's.
    for (const std::string& bad : {std::string("x\" injected=1"), std::string(65, 'a')}) {
        const Reply r = http(live.port, get_call("/nope", {{"X-Request-Id", bad}}));
        const std::string id = r.header("x-request-id");
        CHECK(std::regex_match(id, kServerMade));
        CHECK(r.json()["error"]["request_id"] == id);
    }
    // Without one, every request gets its own.
    const std::string a = http(live.port, get_call("/v1/health")).header("x-request-id");
    const std::string b = http(live.port, get_call("/v1/health")).header("x-request-id");
    CHECK(std::regex_match(a, kServerMade));
    CHECK(a != b);

    // An error a route answers itself (a refused sync) carries it too.
    const Reply refused = http(live.port, Call{Poco::Net::HTTPRequest::HTTP_POST,
                                               "/v1/sync",
                                               std::string(),
                                               {{"X-Request-Id", "sync-9"}},
                                               std::nullopt});
    CHECK(refused.status == 401);
    CHECK(refused.error_code() == errc::auth_missing_token);
    CHECK(refused.json()["error"]["request_id"] == "sync-9");
    CHECK(refused.header("x-request-id") == "sync-9");
}

TEST_CASE("request id: in the access line and in every line logged for the request",
          "[request_id]") {
    LiveServer live;
    const LogCapture access("ocop.http");
    const LogCapture auth("ocop.auth", new TextLogFormatter);
    const auto session = make_session(live.port);
    const Reply login =
        http(*session, Call{Poco::Net::HTTPRequest::HTTP_POST,
                            "/v1/login",
                            live.login_body("phone-2"),
                            {{"Content-Type", "application/json"}, {"X-Request-Id", "login-1"}},
                            std::nullopt});
    REQUIRE(login.status == 200);
    REQUIRE(login.keep_alive);
    // The access line is written after the answer: once the next request on the same
    // connection is answered, the first one's line is there.
    REQUIRE(http(*session, get_call("/v1/health", {{"X-Request-Id", "health-2"}})).status == 200);

    const auto messages = access.messages();
    std::vector<const Poco::Message*> login_lines;
    for (const auto& m : messages)
        if (m.getText().starts_with("POST /v1/login ")) login_lines.push_back(&m);
    REQUIRE(login_lines.size() == 1);
    CHECK(login_lines[0]->getText().find(" 200 ") != std::string::npos);
    CHECK(login_lines[0]->getText().ends_with(" request_id=login-1"));
    CHECK(login_lines[0]->get(request_id_log_param, "") == "login-1");
    // The text format does not repeat what the access line says.
    std::string formatted;
    TextLogFormatter().format(*login_lines[0], formatted);
    CHECK(formatted.find("[request_id=") == std::string::npos);
    CHECK(formatted.ends_with(" request_id=login-1"));

    // What the login route logged while handling it names the same request.
    const auto auth_lines = auth.lines();
    REQUIRE(auth_lines.size() == 1);
    CHECK(auth_lines[0].find("ocop.auth: device ") != std::string::npos);
    CHECK(auth_lines[0].ends_with(" [request_id=login-1]"));

    // An error answer's code is in its access line.
    const Reply missing = http(*session, get_call("/nope", {{"X-Request-Id", "nope-3"}}));
    REQUIRE(missing.status == 404);
    REQUIRE(http(*session, get_call("/v1/health")).status == 200);
    bool found = false;
    for (const auto& line : access.lines())
        if (line.starts_with("GET /nope 404 "))
            found = line.ends_with(" request_id=nope-3 error=http.not_found");
    CHECK(found);
}
