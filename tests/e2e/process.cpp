#include "process.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>

namespace ocop::test {

int free_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = s.address().port();
    s.close();
    return port;
}

void ServerProcess::start() {
    std::vector<std::string> args = {"--data", data_.string(), "--port", std::to_string(port_),
                                      "--listen", "127.0.0.1", "--log-level", "warning"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(binary_, args));
    sync::HttpOptions quick;
    quick.connect_timeout = std::chrono::seconds(1);
    quick.request_timeout = std::chrono::seconds(2);
    sync::HttpTransport health(url(), quick);
    for (int i = 0; i < 200; ++i) {
        try {
            if (health.get("/v1/health").status == 200) return;
        } catch (const std::exception&) {
        }
        if (!Poco::Process::isRunning(*handle_)) {
            handle_.reset();
            throw std::runtime_error("ocop-server exited during start-up");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill();
    throw std::runtime_error("ocop-server did not answer /v1/health within 20 s");
}

void ServerProcess::kill() {
    if (!handle_) return;
    ::kill(handle_->id(), SIGKILL);
    handle_->wait();
    handle_.reset();
}

void ServerProcess::stop() {
    if (!handle_) return;
    ::kill(handle_->id(), SIGTERM);
    handle_->wait();
    handle_.reset();
}

}  // namespace ocop::test
