// Running the real binaries from tests: a command with arguments and stdin, its exit code and
// output; and a server process that is started, waited for, killed and restarted.
#pragma once

#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ocop/sync/http_transport.hpp"

namespace ocop::test {

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline RunResult run(const std::string& binary, const std::vector<std::string>& args,
                     const std::string& stdin_text = {}) {
    Poco::Pipe in, out, err;
    Poco::ProcessHandle ph = Poco::Process::launch(binary, args, &in, &out, &err);
    {
        Poco::PipeOutputStream to(in);
        to << stdin_text;
    }
    in.close(Poco::Pipe::CLOSE_WRITE);
    RunResult r;
    // Read stderr on a thread so neither pipe can fill up and block the child.
    std::thread err_reader([&] {
        Poco::PipeInputStream from(err);
        Poco::StreamCopier::copyToString(from, r.err);
    });
    Poco::PipeInputStream from(out);
    Poco::StreamCopier::copyToString(from, r.out);
    err_reader.join();
    r.exit_code = ph.wait();
    return r;
}

// A free loopback TCP port (bound, then released for the server to take).
int free_port();

// The files of a server that speaks HTTPS: its certificate and key, and what clients trust.
struct TlsFiles {
    std::filesystem::path cert;
    std::filesystem::path key;
    std::filesystem::path ca;  // for a self-signed certificate: the certificate itself
};

// The server listens on 127.0.0.1: with plain HTTP (--plain-http) unless use_tls() was called.
class ServerProcess {
  public:
    ServerProcess(std::string binary, std::filesystem::path data_dir, int port,
                  std::vector<std::string> extra_args = {})
        : binary_(std::move(binary)),
          data_(std::move(data_dir)),
          port_(port),
          extra_(std::move(extra_args)) {}
    ~ServerProcess() { kill(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Before start(): serve HTTPS with these files; url() is then https://127.0.0.1:PORT.
    void use_tls(TlsFiles files) { tls_ = std::move(files); }
    // Before start(): keep the stores in SQLite files under the data directory even when this run
    // tests PostgreSQL (a province that starts on SQLite and moves later).
    void use_sqlite() { sqlite_only_ = true; }
    // Before start(): keep what the server writes on stdout and stderr (its log, at `log_level`)
    // for output(), instead of letting it through to the test's own output.
    void capture_output(std::string log_level = "debug") {
        capture_ = true;
        log_level_ = std::move(log_level);
    }
    // What was captured over every start so far; complete once the server was stopped or killed.
    std::string output() const {
        std::lock_guard lock(output_mutex_);
        return output_;
    }

    // Starts the server and waits until /v1/health answers (at most ~20 s).
    void start();
    void kill();  // SIGKILL: no chance to clean up, as in a crash
    // SIGTERM and wait: graceful shutdown. Returns the exit code (0: clean, also under the
    // sanitizers), or -1 when the server was not running.
    int stop();
    bool running() const { return handle_ != nullptr; }
    std::string url() const {
        return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
    }
    int port() const { return port_; }

  private:
    std::string binary_;
    std::filesystem::path data_;
    int port_;
    std::vector<std::string> extra_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
    std::optional<TlsFiles> tls_;
    bool capture_ = false;
    bool sqlite_only_ = false;
    std::string log_level_ = "warning";
    std::vector<std::thread> readers_;  // copy the captured pipes into output_
    mutable std::mutex output_mutex_;
    std::string output_;

    void join_readers();
};

inline std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               (name + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace ocop::test
