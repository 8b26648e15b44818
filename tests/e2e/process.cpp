#include "process.hpp"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>

#include "test_backend.hpp"

namespace ocop::test {

int free_port() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = s.address().port();
    s.close();
    return port;
}

void ServerProcess::start() {
    std::vector<std::string> args = {"--data",   data_.string(), "--port", std::to_string(port_),
                                     "--listen", "127.0.0.1"};
    args.insert(args.end(), {"--log-level", log_level_});
    // On the run's backend (test_backend.hpp): a schema of this data directory's own.
    if (!sqlite_only_)
        for (auto& a :
             server_database_args(pg_schema_for(std::filesystem::absolute(data_).string())))
            args.push_back(std::move(a));
    if (tls_) {
        args.insert(args.end(),
                    {"--tls-cert", tls_->cert.string(), "--tls-key", tls_->key.string()});
    } else {
        args.push_back("--plain-http");
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    if (capture_) {
        Poco::Pipe out, err;
        handle_ = std::make_unique<Poco::ProcessHandle>(
            Poco::Process::launch(binary_, args, nullptr, &out, &err));
        for (const Poco::Pipe& pipe : {out, err})
            readers_.emplace_back([this, pipe] {
                Poco::PipeInputStream from(pipe);
                char buf[4096];
                while (from.read(buf, sizeof buf) || from.gcount() > 0) {
                    std::lock_guard lock(output_mutex_);
                    output_.append(buf, static_cast<size_t>(from.gcount()));
                }
            });
    } else {
        handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch(binary_, args));
    }
    sync::HttpOptions quick;
    quick.connect_timeout = std::chrono::seconds(1);
    quick.request_timeout = std::chrono::seconds(2);
    if (tls_) quick.ca_file = tls_->ca.string();
    sync::HttpTransport health(url(), quick);
    for (int i = 0; i < 200; ++i) {
        try {
            if (health.get("/v1/health").status == 200) return;
        } catch (const std::exception&) {
        }
        if (!Poco::Process::isRunning(*handle_)) {
            handle_->wait();
            handle_.reset();
            join_readers();
            throw std::runtime_error("ocop-server exited during start-up");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill();
    throw std::runtime_error("ocop-server did not answer /v1/health within 20 s");
}

void ServerProcess::kill() {
    if (handle_) {
        ::kill(handle_->id(), SIGKILL);
        handle_->wait();
        handle_.reset();
    }
    join_readers();
}

int ServerProcess::stop() {
    int rc = -1;
    if (handle_) {
        ::kill(handle_->id(), SIGTERM);
        rc = handle_->wait();
        handle_.reset();
    }
    join_readers();
    return rc;
}

void ServerProcess::join_readers() {
    for (auto& reader : readers_) reader.join();  // the pipes end with the process
    readers_.clear();
}

}  // namespace ocop::test
