// JSON log lines (--log-format=json): one JSON object a line with time, level, logger, message and,
// where known, the request id; valid JSON whatever the message holds. Checked on the formatter
// and on the lines a live server writes while it answers a login.
#include <Poco/Exception.h>
#include <Poco/NestedDiagnosticContext.h>
#include <Poco/Net/HTTPRequest.h>

#include <regex>

#include "live_server_fixture.hpp"
#include "log_capture.hpp"
#include "ocop/server/log_formatter.hpp"

using namespace ocop;
using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;

namespace {

json format_json(const Poco::Message& message) {
    std::string line;
    JsonLogFormatter().format(message, line);
    INFO("line: " << line);
    CHECK(line.find('\n') == std::string::npos);
    return json::parse(line);
}

}  // namespace

TEST_CASE("json log: one object with time, level, logger and message", "[json_log]") {
    const Poco::Message m("ocop.test", "quote \" newline \n tab \t and \xff bytes",
                          Poco::Message::PRIO_WARNING);
    const json j = format_json(m);
    CHECK(j.size() == 4);  // no request id outside a request
    CHECK(j["level"] == "warning");
    CHECK(j["logger"] == "ocop.test");
    CHECK(j["message"] == "quote \" newline \n tab \t and \xef\xbf\xbd bytes");
    CHECK(std::regex_match(j["time"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

    SECTION("inside a request: the id of the thread's context") {
        const Poco::NDCScope context("req-1");
        CHECK(format_json(m)["request_id"] == "req-1");
        CHECK(current_request_id() == "req-1");
        std::string text;
        TextLogFormatter().format(m, text);
        CHECK(text.ends_with(" [request_id=req-1]"));
    }
    SECTION("the message's own parameter wins") {
        const Poco::NDCScope context("req-1");
        Poco::Message with(m);
        with.set(request_id_log_param, "req-2");
        CHECK(format_json(with)["request_id"] == "req-2");
    }
    CHECK(current_request_id().empty());
}

TEST_CASE("json log: every priority has its name", "[json_log]") {
    const std::vector<std::pair<Poco::Message::Priority, const char*>> names = {
        {Poco::Message::PRIO_FATAL, "fatal"},   {Poco::Message::PRIO_CRITICAL, "critical"},
        {Poco::Message::PRIO_ERROR, "error"},   {Poco::Message::PRIO_WARNING, "warning"},
        {Poco::Message::PRIO_NOTICE, "notice"}, {Poco::Message::PRIO_INFORMATION, "information"},
        {Poco::Message::PRIO_DEBUG, "debug"},   {Poco::Message::PRIO_TRACE, "trace"}};
    for (const auto& [priority, name] : names)
        CHECK(format_json(Poco::Message("x", "y", priority))["level"] == name);
}

TEST_CASE("json log: the format option is text or json", "[json_log]") {
    CHECK(dynamic_cast<JsonLogFormatter*>(make_log_formatter("json").get()));
    CHECK(dynamic_cast<TextLogFormatter*>(make_log_formatter("text").get()));
    CHECK_THROWS_AS(make_log_formatter("xml"), Poco::InvalidArgumentException);
    CHECK_THROWS_AS(make_log_formatter(""), Poco::InvalidArgumentException);
}

TEST_CASE("json log: a live server's lines for a login parse and name the request", "[json_log]") {
    LiveServer live;
    const LogCapture access("ocop.http", new JsonLogFormatter);
    const LogCapture auth("ocop.auth", new JsonLogFormatter);
    const auto session = make_session(live.port);
    const Reply login = http(
        *session, Call{Poco::Net::HTTPRequest::HTTP_POST,
                       "/v1/login",
                       live.login_body("phone-json"),
                       {{"Content-Type", "application/json"}, {"X-Request-Id", "json-login-1"}},
                       std::nullopt});
    REQUIRE(login.status == 200);
    REQUIRE(http(*session, Call{}).status == 404);  // the login's access line is written by now

    const auto auth_lines = auth.lines();
    REQUIRE(auth_lines.size() == 1);
    const json enrolled = json::parse(auth_lines[0]);
    CHECK(enrolled["logger"] == "ocop.auth");
    CHECK(enrolled["level"] == "information");
    CHECK(enrolled["request_id"] == "json-login-1");
    CHECK(enrolled["message"].get<std::string>().starts_with("device "));

    size_t login_lines = 0;
    for (const auto& line : access.lines()) {
        const json j = json::parse(line);
        CHECK(j["logger"] == "ocop.http");
        CHECK(!j["request_id"].get<std::string>().empty());
        if (j["message"].get<std::string>().starts_with("POST /v1/login 200 ")) {
            ++login_lines;
            CHECK(j["request_id"] == "json-login-1");
        }
    }
    CHECK(login_lines == 1);
}
