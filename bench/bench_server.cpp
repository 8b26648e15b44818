#include "bench_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/ServerSocket.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "bench_util.hpp"
#include "ocop/postgres/pg_connection.hpp"
#include "ocop/sync/http_transport.hpp"
#include "realistic_data.hpp"

extern char** environ;

namespace ocop::bench {

namespace {

int free_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    return s.address().port();
}

std::vector<char*> argv_of(const std::string& bin, const std::vector<std::string>& args) {
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    return argv;
}

// A long-running child whose output goes to `log`, so that --json output stays one object.
// OCOP_BENCH_LOG_LEVEL=information keeps an access line per request (with its ms) in the
// servers' logs, to see where a burst's time goes; the default keeps the logs to warnings.
std::string server_log_level() {
    const char* level = std::getenv("OCOP_BENCH_LOG_LEVEL");
    return level && *level ? level : "warning";
}

pid_t spawn_logged(const std::string& bin, const std::vector<std::string>& args,
                   const std::filesystem::path& log) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    auto argv = argv_of(bin, args);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (spawned != 0) fail("cannot start " + bin);
    return pid;
}

void stop_child(pid_t pid) noexcept {
    if (pid <= 0) return;
    // A clean stop, as systemd asks. Not SIGINT: a shell starts background jobs with SIGINT
    // ignored, and haproxy keeps that disposition (it would never exit).
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
}

// packaging/haproxy/ocop-server.cfg with its bind line and the addresses of its server lines
// replaced by ours; everything else (maxconn per process, checks, retries) as shipped. The
// processes name haproxy in --trusted-proxies, so its connections are not capped per address.
std::string haproxy_config(const std::string& bind, const std::vector<std::string>& servers) {
    std::ifstream in(OCOP_HAPROXY_CFG);
    if (!in) fail(std::string("cannot read ") + OCOP_HAPROXY_CFG);
    std::ostringstream out;
    std::string line;
    bool servers_written = false;
    while (std::getline(in, line)) {
        const auto text = line.substr(std::min(line.find_first_not_of(' '), line.size()));
        if (text.starts_with("bind ")) {
            out << "    " << bind << "\n";
        } else if (text.starts_with("server ")) {
            if (servers_written) continue;
            // "server p1 127.0.0.1:8081 <options>": the shipped options after the address.
            const auto after_address = text.find(' ', text.find(' ', 7) + 1);
            const std::string options =
                after_address == std::string::npos ? "" : text.substr(after_address);
            for (size_t i = 0; i < servers.size(); ++i)
                out << "    server p" << i + 1 << " " << servers[i] << options << "\n";
            servers_written = true;
        } else {
            out << line << "\n";
        }
    }
    if (!servers_written) fail(std::string("no server lines in ") + OCOP_HAPROXY_CFG);
    return out.str();
}

}  // namespace

void check_report(const sync::SyncReport& r, const char* what) {
    if (!r.complete)
        fail(std::string(what) + " did not complete: " + r.error_code + " " + r.error_message);
    if (!r.refusals.empty())
        fail(std::string(what) + ": the server refused a changeset: " + r.refusals.front().code +
             " " + r.refusals.front().message);
}

double vm_hwm_mib(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

ChildResult run_child(const std::string& bin, const std::vector<std::string>& args,
                      const std::string& input, bool quiet) {
    // Named by this process and thread: two benchmarks may run at once (other worktrees of the
    // same tree), and one benchmark runs the admin tool from several threads.
    const auto dir = std::filesystem::temp_directory_path();
    std::ostringstream me;
    me << getpid() << "-" << std::this_thread::get_id();
    const auto in_path = dir / ("ocop-bench-stdin-" + me.str()),
               out_path = dir / ("ocop-bench-stdout-" + me.str());
    std::ofstream(in_path) << input;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (quiet) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    auto argv = argv_of(bin, args);
    Stopwatch sw;
    pid_t pid = 0;
    ChildResult r;
    if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) return r;
    // ru_maxrss of a spawned child includes the parent's RSS at the moment of exec (Linux keeps
    // the old mm's high-water mark), so read the child's own VmHWM while it runs instead.
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        r.peak_rss_mib = std::max(r.peak_rss_mib, vm_hwm_mib(pid));
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.seconds = sw.seconds();
    posix_spawn_file_actions_destroy(&fa);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream f(out_path);
    r.out.assign(std::istreambuf_iterator<char>(f), {});
    std::filesystem::remove(in_path);
    std::filesystem::remove(out_path);
    return r;
}

LiveServer::LiveServer(const std::filesystem::path& dir, const ServerSetup& setup,
                       const std::string& user)
    : dir_(dir), setup_(setup) {
    if (setup.processes == 0 || (setup.processes > 1 && setup.database.empty()))
        fail("several server processes need a PostgreSQL --database");
    std::filesystem::create_directories(dir);
    // The user leads inspections (it writes signed minutes) in every commune the generator
    // writes to.
    if (!user.empty()) add_user(user, InspectionGenerator::units());

    std::string cert, key;
    if (setup.tls) {
        cert = (dir / "cert.pem").string();
        key = (dir / "key.pem").string();
        const ChildResult r =
            run_child("/usr/bin/openssl",
                      {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                       "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj",
                       "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"},
                      {}, /*quiet=*/true);
        if (r.exit_code != 0) fail("openssl could not make a self-signed certificate");
        ca_ = cert;
    }
    // Behind haproxy the processes serve plain HTTP on loopback and haproxy ends TLS, as in
    // packaging/haproxy/ocop-server.cfg.
    const bool direct_tls = setup.tls && setup.processes == 1;
    try {
        for (size_t i = 0; i < setup.processes; ++i) {
            // Every process shares the data directory (evidence blobs; the rest is in PostgreSQL).
            // Every device of the bench comes from 127.0.0.1, as devices behind one carrier NAT
            // do: the cap per address is raised above the burst's concurrency.
            std::vector<std::string> args{"--data",
                                          (dir / "server").string(),
                                          "--log-level",
                                          server_log_level(),
                                          "--max-connections-per-address",
                                          std::to_string(setup.max_connections_per_address)};
            if (setup.processes > 1) args.insert(args.end(), {"--trusted-proxies", "127.0.0.1"});
            if (setup.sync_work_slots)
                args.insert(args.end(),
                            {"--sync-work-slots", std::to_string(setup.sync_work_slots)});
            if (!setup.database.empty())
                args.insert(args.end(),
                            {"--database", setup.database, "--database-schema", setup.schema});
            const int port = free_port();
            args.insert(args.end(), {"--port", std::to_string(port)});
            if (direct_tls)
                args.insert(args.end(), {"--tls-cert", cert, "--tls-key", key});
            else
                args.push_back("--plain-http");
            process_urls_.push_back(std::string(direct_tls ? "https" : "http") +
                                    "://127.0.0.1:" + std::to_string(port));
            servers_.push_back(spawn_logged(OCOP_SERVER_BIN, args,
                                            dir / ("server" + std::to_string(i + 1) + ".log")));
        }
        for (const auto& u : process_urls_) wait_until_healthy(u);
        url_ = process_urls_.front();
        if (setup.processes > 1) start_haproxy(cert, key);
    } catch (...) {
        stop_all();
        throw;
    }
}

LiveServer::~LiveServer() {
    stop_all();
}

void LiveServer::stop_all() noexcept {
    stop_child(haproxy_);
    haproxy_ = 0;
    for (pid_t pid : servers_) stop_child(pid);
    servers_.clear();
}

void LiveServer::add_user(const std::string& user, const std::vector<std::string>& units) const {
    admin({"user", "add", user}, kPassword + "\n");
    for (const auto& unit : units)
        admin({"user", "grant", user, "team_lead", unit, "--allow-unknown-unit"});
}

void LiveServer::admin(std::vector<std::string> args, const std::string& input) const {
    const std::vector<std::string> where =
        setup_.database.empty() ? std::vector<std::string>{"--data", (dir_ / "server").string()}
                                : std::vector<std::string>{"--database", setup_.database,
                                                           "--database-schema", setup_.schema};
    args.insert(args.begin(), where.begin(), where.end());
    const ChildResult r = run_child(OCOP_ADMIN_BIN, args, input);
    if (r.exit_code != 0)
        fail("ocop-admin " + args[where.size()] + " " + args[where.size() + 1] +
             " failed: " + r.out);
}

void LiveServer::start_haproxy(const std::string& cert, const std::string& key) {
    const int port = free_port();
    std::string bind = "bind 127.0.0.1:" + std::to_string(port);
    if (setup_.tls) {
        // haproxy takes the certificate and its key in one file.
        const auto pem = dir_ / "haproxy.pem";
        std::ifstream c(cert), k(key);
        std::ofstream(pem) << c.rdbuf() << k.rdbuf();
        bind += " ssl crt " + pem.string();
    }
    std::vector<std::string> servers;
    for (const auto& u : process_urls_) servers.push_back(u.substr(u.find("://") + 3));
    const auto cfg = dir_ / "haproxy.cfg";
    std::ofstream(cfg) << haproxy_config(bind, servers);
    // -db: in the foreground, never a daemon or a system service; stopped with the benchmark.
    haproxy_ = spawn_logged(OCOP_HAPROXY_BIN, {"-db", "-f", cfg.string()}, dir_ / "haproxy.log");
    url_ = std::string(setup_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port);
    wait_until_healthy(url_);
}

void LiveServer::wait_until_healthy(const std::string& url) const {
    sync::HttpOptions http;
    http.ca_file = ca_;
    sync::HttpTransport health(url, http);
    for (int i = 0; i < 100; ++i) {
        try {
            if (health.get("/v1/health").status == 200) return;
        } catch (const std::exception&) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    fail("nothing answered on " + url + " (logs in " + dir_.string() + ")");
}

double LiveServer::peak_rss_mib() const {
    double most = 0;
    for (pid_t pid : servers_) most = std::max(most, vm_hwm_mib(pid));
    return most;
}

std::unique_ptr<sdk::Database> LiveServer::enroll(const std::string& name, const std::string& user,
                                                  const std::string& url) const {
    auto db = sdk::Database::open((dir_ / (name + ".db")).string());
    sdk::EnrollOptions opts;
    opts.ca_file = ca_;
    db->enroll(url.empty() ? url_ : url, user, kPassword, opts);
    return db;
}

void drop_postgresql_schema(const std::string& url, const std::string& schema) {
    pg::Connection c(url);
    c.exec("DROP SCHEMA IF EXISTS " + pg::quote_ident(schema + "_views") + " CASCADE");
    c.exec("DROP SCHEMA IF EXISTS " + pg::quote_ident(schema) + " CASCADE");
    c.exec("DROP ROLE IF EXISTS " + pg::quote_ident(schema + "_reader"));
}

}  // namespace ocop::bench
