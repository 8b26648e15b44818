// ocop-server as a Poco ServerApplication (after Poco's SampleServer): options and an optional
// configuration file, Poco logging to stderr, a Server (server.hpp) that runs until SIGINT or
// SIGTERM, then a graceful stop that lets in-flight requests finish.
//
// Options (each also settable in the --config file under the key in brackets; the command line
// wins): --data DIR [server.data], --port N [server.port], --listen ADDR [server.listen],
// --tls-cert FILE [server.tls_cert], --tls-key FILE [server.tls_key], --plain-http
// [server.plain_http], --log-level LEVEL [server.log_level], --log-format text|json
// [server.log_format] (log_formatter.hpp), --metrics-token-file FILE [server.metrics_token_file]
// (routes/metrics_route.hpp), --demo [server.demo], --config FILE, --help. HTTPS is required unless
// --plain-http on a loopback address (tls.hpp); a transport that is not allowed stops the server
// before it opens anything, with one line saying why and exit code 78 (EX_CONFIG). A config file
// may also configure Poco logging itself (logging.loggers..., logging.channels...); without that,
// logs go to stderr through a PatternFormatter.
#pragma once

#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <string>
#include <vector>

namespace ocop::server {

class ServerApp final : public Poco::Util::ServerApplication {
  protected:
    void initialize(Poco::Util::Application& self) override;
    void defineOptions(Poco::Util::OptionSet& options) override;
    int main(const std::vector<std::string>& args) override;

  private:
    void on_help(const std::string& name, const std::string& value);
    void on_config(const std::string& name, const std::string& value);
    void on_demo(const std::string& name, const std::string& value);
    void on_plain_http(const std::string& name, const std::string& value);
    void on_log_level(const std::string& name, const std::string& value);
    void setup_logging();

    bool help_requested_ = false;
};

}  // namespace ocop::server
