#include "ocop/server/server_app.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/Exception.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionCallback.h>
#include <Poco/Util/RegExpValidator.h>

#include <signal.h>

#include <iostream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/postgres/pg_connection.hpp"
#include "ocop/server/demo_accounts.hpp"
#include "ocop/server/log_formatter.hpp"
#include "ocop/server/server.hpp"
#include "ocop/server/tls.hpp"

namespace ocop::server {

using Poco::Util::Option;
using Poco::Util::OptionCallback;

namespace {

// Poco pitfall: waitForTerminationRequest() blocks SIGINT/SIGTERM/SIGQUIT only in the calling
// thread, and only once it is called. A signal that arrives earlier, or is delivered to one of
// the HTTP worker threads (which inherit the mask they were created with), takes its default
// action and kills the process without a graceful stop. Blocking the signals before any thread
// exists makes every thread inherit the mask, so the sigwait() in waitForTerminationRequest() is
// the only place they are received.
void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string url_host(const std::string& listen) {
    return listen.find(':') != std::string::npos ? "[" + listen + "]" : listen;
}

}  // namespace

void ServerApp::defineOptions(Poco::Util::OptionSet& options) {
    ServerApplication::defineOptions(options);
    options.addOption(Option("help", "h", "show this help and exit")
                          .required(false)
                          .repeatable(false)
                          .callback(OptionCallback<ServerApp>(this, &ServerApp::on_help)));
    options.addOption(Option("data", "", "data directory (default ./data)")
                          .required(false)
                          .repeatable(false)
                          .argument("DIR")
                          .binding("server.data"));
    options.addOption(Option("database", "",
                             "postgresql://USER@HOST:PORT/DB: keep the data in PostgreSQL, shared "
                             "by several server processes (default: SQLite under --data)")
                          .required(false)
                          .repeatable(false)
                          .argument("URL")
                          .binding("server.database"));
    options.addOption(
        Option("database-schema", "", "the PostgreSQL schema of the server's tables (default ocop)")
            .required(false)
            .repeatable(false)
            .argument("NAME")
            .binding("server.database_schema"));
    options.addOption(Option("port", "", "TCP port to listen on (default 8080; 0: any free port)")
                          .required(false)
                          .repeatable(false)
                          .argument("N")
                          .validator(new Poco::Util::IntValidator(0, 65535))
                          .binding("server.port"));
    options.addOption(Option("listen", "", "address to listen on (default 127.0.0.1)")
                          .required(false)
                          .repeatable(false)
                          .argument("ADDR")
                          .binding("server.listen"));
    options.addOption(
        Option("tls-cert", "", "server certificate, PEM (intermediate certificates may follow)")
            .required(false)
            .repeatable(false)
            .argument("FILE")
            .binding("server.tls_cert"));
    options.addOption(Option("tls-key", "", "the certificate's private key, PEM, unencrypted")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE")
                          .binding("server.tls_key"));
    options.addOption(Option("plain-http", "",
                             "serve plain HTTP instead of HTTPS; only on a loopback --listen "
                             "address (tests, a TLS reverse proxy on the same host)")
                          .required(false)
                          .repeatable(false)
                          .callback(OptionCallback<ServerApp>(this, &ServerApp::on_plain_http)));
    options.addOption(
        Option("log-level", "",
               "fatal, critical, error, warning, notice, information (default) or debug")
            .required(false)
            .repeatable(false)
            .argument("LEVEL")
            .binding("server.log_level")
            .callback(OptionCallback<ServerApp>(this, &ServerApp::on_log_level)));
    options.addOption(Option("log-format", "", "text (default) or json: one JSON object a line")
                          .required(false)
                          .repeatable(false)
                          .argument("FORMAT")
                          .validator(new Poco::Util::RegExpValidator("text|json"))
                          .binding("server.log_format"));
    options.addOption(Option("metrics-token-file", "",
                             "file holding the bearer token GET /metrics requires (default: "
                             "no token, loopback peers only)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE")
                          .binding("server.metrics_token_file"));
    options.addOption(Option("trusted-proxies", "",
                             "comma-separated addresses of reverse proxies on this host whose "
                             "X-Forwarded-For names the client (default: none)")
                          .required(false)
                          .repeatable(false)
                          .argument("ADDRESSES")
                          .binding("server.trusted_proxies"));
    options.addOption(Option("max-connections-per-address", "",
                             "connections open at once from one client address (default 32; "
                             "trusted proxies are not capped)")
                          .required(false)
                          .repeatable(false)
                          .argument("N")
                          .binding("server.max_connections_per_address"));
    options.addOption(Option("sync-work-slots", "",
                             "syncs that do their work at once, the others waiting their turn "
                             "(default: twice the cores)")
                          .required(false)
                          .repeatable(false)
                          .argument("N")
                          .binding("server.sync_work_slots"));
    options.addOption(Option("config", "", "configuration file (.properties or .ini)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE")
                          .callback(OptionCallback<ServerApp>(this, &ServerApp::on_config)));
    options.addOption(Option("demo", "",
                             std::string("load the demo province and its users '") + demo_user +
                                 "' and '" + demo_commune_user + "' / '" + demo_password +
                                 "' if missing")
                          .required(false)
                          .repeatable(false)
                          .callback(OptionCallback<ServerApp>(this, &ServerApp::on_demo)));
}

void ServerApp::on_help(const std::string&, const std::string&) {
    help_requested_ = true;
    stopOptionsProcessing();
}

void ServerApp::on_config(const std::string&, const std::string& path) {
    // PRIO_DEFAULT sits below the command line's bindings (PRIO_APPLICATION): options win.
    loadConfiguration(path, PRIO_DEFAULT);
}

void ServerApp::on_demo(const std::string&, const std::string&) {
    config().setBool("server.demo", true);
}

void ServerApp::on_plain_http(const std::string&, const std::string&) {
    config().setBool("server.plain_http", true);
}

void ServerApp::on_log_level(const std::string&, const std::string& level) {
    Poco::Logger::parseLevel(level);  // throws InvalidArgumentException naming a bad level
}

void ServerApp::initialize(Poco::Util::Application& self) {
    ServerApplication::initialize(self);  // the logging subsystem applies any logging.* keys
    setup_logging();
}

void ServerApp::setup_logging() {
    std::vector<std::string> keys;
    config().keys("logging", keys);
    if (keys.empty()) {
        // Throws InvalidArgumentException for a server.log_format that is not text or json.
        const auto formatter = make_log_formatter(config().getString("server.log_format", "text"));
        Poco::AutoPtr<Poco::ConsoleChannel> console(new Poco::ConsoleChannel(std::cerr));
        Poco::AutoPtr<Poco::FormattingChannel> channel(
            new Poco::FormattingChannel(formatter, console));
        Poco::Logger::setChannel("", channel);  // every logger, existing and future
    }
    const int level =
        Poco::Logger::parseLevel(config().getString("server.log_level", "information"));
    Poco::Logger::root().setLevel(level);
    Poco::Logger::setLevel("", level);
}

int ServerApp::main(const std::vector<std::string>& args) {
    if (help_requested_) {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage(
            "[--data DIR] [--database URL [--database-schema NAME]] [--port N] [--listen ADDR] "
            "(--tls-cert FILE --tls-key FILE | "
            "--plain-http) [--trusted-proxies LIST] [--max-connections-per-address N] "
            "[--sync-work-slots N] "
            "[--config FILE] [--demo]");
        help.setHeader("ocop-server: the OCOP field sync server (HTTP API under /v1).");
        help.format(std::cout);
        return EXIT_OK;
    }
    Poco::Logger& log = Poco::Logger::get("ocop.server");
    if (!args.empty()) {
        log.fatal("unexpected argument '" + args.front() + "' (see --help)");
        return EXIT_USAGE;
    }
    block_termination_signals();  // before the first thread is created

    ServerOptions options;
    try {
        options.data_dir = config().getString("server.data", options.data_dir);
        options.database = config().getString("server.database", "");
        options.database_schema =
            config().getString("server.database_schema", options.database_schema);
        options.listen = config().getString("server.listen", options.listen);
        const int port = config().getInt("server.port", options.port);
        if (port < 0 || port > 65535) {
            log.fatal("server.port must be 0-65535, not " + std::to_string(port));
            return EXIT_CONFIG;
        }
        options.port = static_cast<uint16_t>(port);
        options.tls_cert_file = config().getString("server.tls_cert", "");
        options.tls_key_file = config().getString("server.tls_key", "");
        options.plain_http = config().getBool("server.plain_http", false);
        options.metrics_token_file = config().getString("server.metrics_token_file", "");
        options.trusted_proxies =
            TrustedProxies::parse(config().getString("server.trusted_proxies", ""));
        const int per_address =
            config().getInt("server.max_connections_per_address",
                            static_cast<int>(tuning::http_max_connections_per_address));
        if (per_address < 1 || per_address > 4096) {
            log.fatal("server.max_connections_per_address must be 1-4096, not " +
                      std::to_string(per_address));
            return EXIT_CONFIG;
        }
        options.watchdog.max_connections_per_address = static_cast<size_t>(per_address);
        const int work_slots = config().getInt("server.sync_work_slots", 0);
        if (work_slots < 0 || work_slots > 1024) {
            log.fatal("server.sync_work_slots must be 1-1024 (0 or absent: twice the cores), not " +
                      std::to_string(work_slots));
            return EXIT_CONFIG;
        }
        options.sync_work_slots = static_cast<size_t>(work_slots);
    } catch (const Poco::Exception& e) {
        log.fatal("bad configuration: " + e.displayText());
        return EXIT_CONFIG;
    }
    const SslLibrary ssl;  // NetSSL initialised until the server is gone
    // Checked before anything is opened or written: a server that may not start changes nothing.
    try {
        if (const auto problem = transport_problem(options.listen, options.tls_cert_file,
                                                   options.tls_key_file, options.plain_http))
            throw Poco::InvalidArgumentException(*problem);
        if (!options.plain_http)  // loads the files once now, so that start() cannot fail on them
            make_server_tls_context(options.tls_cert_file, options.tls_key_file);
    } catch (const Poco::InvalidArgumentException& e) {
        log.fatal("refusing to start: " + e.message());
        return EXIT_CONFIG;
    }

    try {
        Server server(options);
        if (config().getBool("server.demo", false)) {
            if (const auto demo = server.seed_demo_province())
                log.information("loaded the demo province: " + std::to_string(demo->records) +
                                " records (" + std::to_string(demo->current_communes.size()) +
                                " communes, " + std::to_string(demo->former_communes.size()) +
                                " former communes kept as history)");
            const DemoAccounts accounts = ensure_demo_accounts(server);
            for (const auto& user : accounts.created)
                log.information("created the demo user '" + user + "'");
            std::cout << "demo users (password " << demo_password << "): " << demo_user
                      << " (every role on the province), " << demo_commune_user
                      << " (commune officer and inspector of " << accounts.commune_name << ", unit "
                      << accounts.commune << ")" << std::endl;
        }
        server.start();
        std::cout << "ocop-server listening on " << (options.plain_http ? "http" : "https") << "://"
                  << url_host(options.listen) << ":" << server.port() << " (data: "
                  << (options.database.empty()
                          ? options.data_dir
                          : pg::redacted(options.database) + ", schema " + options.database_schema)
                  << ")" << std::endl;
        log.information("server " + server.server_id() + " started");

        waitForTerminationRequest();

        log.information("stopping: letting in-flight requests finish");
        server.stop();
        log.information("stopped");
        return EXIT_OK;
    } catch (const Error& e) {
        // A damaged file, or a data directory of a newer release: an operator must restore a
        // backup or install the release named.
        if (e.code() == errc::store_corrupt || e.code() == errc::store_layout_too_new) {
            log.fatal("refusing to start: " + e.code() + ": " + e.what());
            return EXIT_DATAERR;
        }
        log.fatal(e.code() + ": " + e.what());
    } catch (const Poco::Exception& e) {
        log.fatal(e.displayText());
    } catch (const std::exception& e) {
        log.fatal(e.what());
    }
    return EXIT_SOFTWARE;
}

}  // namespace ocop::server
