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

class ServerProcess {
public:
    ServerProcess(std::string binary, std::filesystem::path data_dir, int port,
                  std::vector<std::string> extra_args = {})
        : binary_(std::move(binary)), data_(std::move(data_dir)), port_(port),
          extra_(std::move(extra_args)) {}
    ~ServerProcess() { kill(); }

    // Starts the server and waits until /v1/health answers (at most ~20 s).
    void start();
    void kill();  // SIGKILL: no chance to clean up, as in a crash
    void stop();  // SIGTERM and wait: graceful shutdown
    bool running() const { return handle_ != nullptr; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }

private:
    std::string binary_;
    std::filesystem::path data_;
    int port_;
    std::vector<std::string> extra_;
    std::unique_ptr<Poco::ProcessHandle> handle_;
};

inline std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               (name + "-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace ocop::test
