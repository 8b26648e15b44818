// A live ocop-server for the sync benchmarks: one process on SQLite files, or one or more
// processes on a PostgreSQL schema, several of them behind haproxy (a configuration derived from
// packaging/haproxy/ocop-server.cfg), over plain HTTP or HTTPS; and the child-process helpers the
// benchmarks share.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ocop/sdk/database.hpp"

namespace ocop::bench {

// Thrown, not exited, so that the servers started so far are stopped on the way out.
struct BenchFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
[[noreturn]] inline void fail(const std::string& why) {
    throw BenchFailure(why);
}

// Runs fn(i) for i in [0, n) on n threads; the first failure of any is rethrown after all end.
template <class Fn>
void on_threads(size_t n, Fn fn) {
    std::mutex m;
    std::exception_ptr first;
    std::vector<std::thread> threads;
    for (size_t i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            try {
                fn(i);
            } catch (...) {
                std::lock_guard lock(m);
                if (!first) first = std::current_exception();
            }
        });
    for (auto& t : threads) t.join();
    if (first) std::rethrow_exception(first);
}

// Fails the run unless the sync completed with nothing refused.
void check_report(const sync::SyncReport& r, const char* what);

double vm_hwm_mib(pid_t pid);

struct ChildResult {
    int exit_code = -1;
    std::string out;
    double peak_rss_mib = 0;
    double seconds = 0;
};

// Runs a binary with arguments and stdin text; returns its output, exit code, wall time and peak
// RSS.
ChildResult run_child(const std::string& bin, const std::vector<std::string>& args,
                      const std::string& input = {}, bool quiet = false);

// The password of every benchmark user.
inline const std::string kPassword = "bench-password-2026";

struct ServerSetup {
    bool tls = false;
    // Empty: SQLite files in the run's directory. Otherwise a libpq URL and the schema to use
    // (created by the server; drop_postgresql_schema removes it).
    std::string database;
    std::string schema;
    // Server processes on the database; more than one needs `database` and puts haproxy in front.
    size_t processes = 1;
    // --max-connections-per-address of each process: all the bench's devices share 127.0.0.1.
    size_t max_connections_per_address = 128;
    // --sync-work-slots of each process; 0: the server's default (twice the cores).
    size_t sync_work_slots = 0;
};

class LiveServer {
  public:
    // Adds `user` (unless empty) as team lead of every commune the inspection generator writes
    // to, then starts the processes (and haproxy) and waits until they answer /v1/health.
    LiveServer(const std::filesystem::path& dir, const ServerSetup& setup, const std::string& user);
    ~LiveServer();
    LiveServer(const LiveServer&) = delete;
    LiveServer& operator=(const LiveServer&) = delete;

    // Where devices go: haproxy with several processes, else the one process.
    const std::string& url() const { return url_; }
    // Each process directly (plain HTTP behind haproxy).
    const std::vector<std::string>& process_urls() const { return process_urls_; }
    // The certificate a device must trust for url() (empty for plain HTTP).
    const std::string& ca_file() const { return ca_; }
    // The largest peak RSS of the server processes so far.
    double peak_rss_mib() const;

    // Adds `user` as team lead of `units` (ocop-admin, while the server runs).
    void add_user(const std::string& user, const std::vector<std::string>& units) const;

    // A new device store `name`.db enrolled as `user` at `url` (default url()).
    std::unique_ptr<sdk::Database> enroll(const std::string& name, const std::string& user,
                                          const std::string& url = {}) const;

  private:
    void admin(std::vector<std::string> args, const std::string& input = {}) const;
    void start_haproxy(const std::string& cert, const std::string& key);
    void wait_until_healthy(const std::string& url) const;
    void stop_all() noexcept;

    std::filesystem::path dir_;
    ServerSetup setup_;
    std::string url_, ca_;
    std::vector<std::string> process_urls_;
    std::vector<pid_t> servers_;
    pid_t haproxy_ = 0;
};

// Drops what a server made on PostgreSQL for `schema`: the schema, its views' schema and their
// reader role (pg_views.cpp names them).
void drop_postgresql_schema(const std::string& url, const std::string& schema);

}  // namespace ocop::bench
