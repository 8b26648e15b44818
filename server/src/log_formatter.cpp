#include "ocop/server/log_formatter.hpp"

#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/NestedDiagnosticContext.h>

#include <nlohmann/json.hpp>

namespace ocop::server {

namespace {

constexpr const char* kTimeFormat = "%Y-%m-%dT%H:%M:%S.%iZ";  // Poco timestamps are UTC

const char* level_name(Poco::Message::Priority priority) {
    switch (priority) {
        case Poco::Message::PRIO_FATAL:
            return "fatal";
        case Poco::Message::PRIO_CRITICAL:
            return "critical";
        case Poco::Message::PRIO_ERROR:
            return "error";
        case Poco::Message::PRIO_WARNING:
            return "warning";
        case Poco::Message::PRIO_NOTICE:
            return "notice";
        case Poco::Message::PRIO_INFORMATION:
            return "information";
        case Poco::Message::PRIO_DEBUG:
            return "debug";
        case Poco::Message::PRIO_TRACE:
            return "trace";
    }
    return "information";
}

}  // namespace

std::string current_request_id() {
    const Poco::NDC& context = Poco::NDC::current();
    if (context.depth() == 0) return {};
    // The handler pushes one entry per request; toString() joins nested ones with ':', which a
    // request id never contains, so the last part is the innermost.
    const std::string all = context.toString();
    const auto colon = all.rfind(':');
    return colon == std::string::npos ? all : all.substr(colon + 1);
}

void JsonLogFormatter::format(const Poco::Message& message, std::string& text) {
    nlohmann::json line = {
        {"time", Poco::DateTimeFormatter::format(message.getTime(), kTimeFormat)},
        {"level", level_name(message.getPriority())},
        {"logger", message.getSource()},
        {"message", message.getText()}};
    std::string id = message.get(request_id_log_param, "");
    if (id.empty()) id = current_request_id();
    if (!id.empty()) line["request_id"] = id;
    text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TextLogFormatter::TextLogFormatter()
    : pattern_(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %p %s: %t")) {
    pattern_->setProperty(Poco::PatternFormatter::PROP_TIMES, "UTC");
}

void TextLogFormatter::format(const Poco::Message& message, std::string& text) {
    pattern_->format(message, text);
    if (message.has(request_id_log_param)) return;  // the line names it itself
    if (const std::string id = current_request_id(); !id.empty())
        text += " [request_id=" + id + "]";
}

Poco::AutoPtr<Poco::Formatter> make_log_formatter(std::string_view format) {
    if (format == "text") return new TextLogFormatter;
    if (format == "json") return new JsonLogFormatter;
    throw Poco::InvalidArgumentException("the log format is text or json, not '" +
                                         std::string(format) + "'");
}

}  // namespace ocop::server
