// Helpers of the server tests: temporary directories, error-code capture, and a small HTTP client
// over Poco's HTTPClientSession that shows exactly what the server answered (status, headers,
// body decompressed when gzipped).
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "ocop/core/error.hpp"
#include "ocop/sync/gzip.hpp"

namespace ocop::server::test {

// PBKDF2 work factor for tests: the real derivation, a thousandth of the production work.
inline constexpr uint32_t kTestIterations = 1000;

class TempDir {
  public:
    explicit TempDir(const std::string& name) {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline std::string error_code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ocop::Error& e) {
        return e.code();
    } catch (const std::exception& e) {
        return std::string("<non-ocop exception: ") + e.what() + ">";
    }
    return "<no error>";
}

inline std::string error_message_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "<no error>";
}

inline std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lowercase names
    std::string body;                            // decompressed if the server gzipped it
    bool keep_alive = true;

    std::string header(const std::string& lower_name) const {
        const auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    // Callable from the threads a test starts: no Catch2 macro here (Catch2 v2 is not
    // thread-safe; INFO from 32 sender threads at once corrupted its message stack and crashed).
    nlohmann::json json() const {
        try {
            return nlohmann::json::parse(body);
        } catch (const nlohmann::json::exception& e) {
            throw std::runtime_error(std::string("answer is not JSON (") + e.what() +
                                     "): " + body.substr(0, 500));
        }
    }
    // The stable code of a JSON error answer.
    std::string error_code() const { return json().at("error").at("code").get<std::string>(); }
};

struct Call {
    std::string method = Poco::Net::HTTPRequest::HTTP_GET;
    std::string path = "/";
    std::optional<std::string> body;  // sent as is (already compressed if content_encoding says so)
    std::map<std::string, std::string> headers;
    // Declared Content-Length without sending a body (to test refusal before reading).
    std::optional<long long> declared_length;
};

// A hang fails the test instead of stalling it; tests that load the server on purpose (and run
// under ASan on 2 cores) pass a longer wait.
inline constexpr std::chrono::seconds default_reply_wait{10};

inline std::unique_ptr<Poco::Net::HTTPClientSession> make_session(
    uint16_t port, std::chrono::seconds reply_wait = default_reply_wait) {
    auto session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
    session->setTimeout(Poco::Timespan(static_cast<long>(reply_wait.count()), 0));
    // Poco's client sends "Connection: close" unless asked otherwise; ask for keep-alive so that
    // the server's own decision to close (after an unread body) is what a test observes.
    session->setKeepAlive(true);
    return session;
}

// One request on an existing session (several requests can share a keep-alive connection).
inline Reply http(Poco::Net::HTTPClientSession& session, const Call& call) {
    Poco::Net::HTTPRequest req(call.method, call.path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : call.headers) req.set(name, value);
    if (call.declared_length)
        req.setContentLength64(*call.declared_length);
    else if (call.body)
        req.setContentLength(static_cast<std::streamsize>(call.body->size()));
    std::ostream& out = session.sendRequest(req);
    if (call.body && !call.declared_length)
        out.write(call.body->data(), static_cast<std::streamsize>(call.body->size()));
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Reply reply;
    reply.status = static_cast<int>(resp.getStatus());
    for (const auto& [name, value] : resp) {
        std::string lower = name;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[lower] = value;
    }
    reply.keep_alive = resp.getKeepAlive();
    std::string raw;
    Poco::StreamCopier::copyToString(in, raw);
    reply.body = reply.header("content-encoding") == "gzip"
                     ? ocop::sync::gzip_decompress(raw, 64 * 1024 * 1024)
                     : raw;
    return reply;
}

inline Reply http(uint16_t port, const Call& call,
                  std::chrono::seconds reply_wait = default_reply_wait) {
    const auto session = make_session(port, reply_wait);
    return http(*session, call);
}

inline Reply post_json(uint16_t port, const std::string& path, const std::string& body,
                       std::map<std::string, std::string> headers = {},
                       std::chrono::seconds reply_wait = default_reply_wait) {
    headers.emplace("Content-Type", "application/json");
    return http(port, Call{Poco::Net::HTTPRequest::HTTP_POST, path, body, headers, std::nullopt},
                reply_wait);
}

inline Reply get(uint16_t port, const std::string& path) {
    return http(port, Call{Poco::Net::HTTPRequest::HTTP_GET, path, std::nullopt, {}, std::nullopt});
}

}  // namespace ocop::server::test
