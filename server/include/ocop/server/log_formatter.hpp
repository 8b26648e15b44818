// The server's log lines, as text (the default) or as JSON (--log-format=json, config key
// server.log_format): one line per message. Both name the request a line was written for: the
// request id comes from the message's `request_id` parameter (the access-log line sets it) or
// else from the thread's diagnostic context (Poco::NDC), which the request handler holds while
// it handles a request, so that what a route logs names its request without passing it around.
//
//   text: 2026-11-23T08:30:00.123Z Information ocop.auth: device ... enrolled [request_id=abc]
//   json: {"time":"2026-11-23T08:30:00.123Z","level":"information","logger":"ocop.auth",
//          "message":"device ... enrolled","request_id":"abc"}
//
// The JSON line has "request_id" only where one is known; its text is valid UTF-8 (invalid bytes
// become U+FFFD). The text form keeps the line as it was, adding the id of the thread's context at
// the end (the access line names its id itself).
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Formatter.h>
#include <Poco/Message.h>
#include <Poco/PatternFormatter.h>

#include <string>
#include <string_view>

namespace ocop::server {

// The message parameter that names a line's request.
inline constexpr const char* request_id_log_param = "request_id";

// The request id of the request this thread is handling, or empty.
std::string current_request_id();

class JsonLogFormatter final : public Poco::Formatter {
  public:
    void format(const Poco::Message& message, std::string& text) override;
};

class TextLogFormatter final : public Poco::Formatter {
  public:
    TextLogFormatter();
    void format(const Poco::Message& message, std::string& text) override;

  private:
    Poco::AutoPtr<Poco::PatternFormatter> pattern_;
};

// "text" or "json"; throws Poco::InvalidArgumentException for anything else.
Poco::AutoPtr<Poco::Formatter> make_log_formatter(std::string_view format);

}  // namespace ocop::server
