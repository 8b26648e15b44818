#include "ocop/sync/http_blob_transport.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/NumberParser.h>
#include <Poco/URI.h>

#include <istream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"

namespace ocop::sync {

namespace bp = blob_protocol;
using Poco::Net::HTTPRequest;

namespace {

ErrorKind kind_of_status(int status) {
    switch (status) {
        case 401:
            return ErrorKind::unauthorized;
        case 403:
            return ErrorKind::forbidden;
        case 404:
            return ErrorKind::not_found;
        case 409:
            return ErrorKind::conflict;
        case 413:
            return ErrorKind::too_large;
        case 408:
        case 429:
        case 503:
            return ErrorKind::transient;
        default:
            return status >= 500 ? ErrorKind::transient : ErrorKind::invalid_input;
    }
}

// The server's JSON error as an Error with its code. An answer to HEAD has no body: its status
// alone names the blob route's one error of that status.
[[noreturn]] void throw_answer(int status, const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    std::string code = status == 403   ? errc::blob_not_referenced
                       : status == 401 ? errc::auth_invalid_token
                       : status == 400 ? errc::blob_bad_ref
                                       : errc::sync_server_error;
    std::string message = "HTTP " + std::to_string(status);
    if (json.is_object() && json.contains("error") && json["error"].is_object()) {
        code = json["error"].value("code", code);
        message = json["error"].value("message", message);
    }
    throw Error(kind_of_status(status), code, message);
}

uint64_t header_u64(const Poco::Net::HTTPResponse& resp, const char* name) {
    Poco::UInt64 v = 0;
    Poco::NumberParser::tryParseUnsigned64(resp.get(name, "0"), v);
    return v;
}

}  // namespace

struct HttpBlobTransport::Impl {
    Poco::URI base;
    HttpBlobOptions options;
    Poco::Net::Context::Ptr tls;
    std::mutex mutex;
    std::unique_ptr<Poco::Net::HTTPClientSession> live;
    std::string new_token;

    Poco::Net::HTTPClientSession& session() {
        if (live) return *live;
        if (base.getScheme() == "https")
            live = std::make_unique<Poco::Net::HTTPSClientSession>(base.getHost(), base.getPort(),
                                                                   tls);
        else
            live = std::make_unique<Poco::Net::HTTPClientSession>(base.getHost(), base.getPort());
        const auto us = [](std::chrono::milliseconds ms) {
            return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms.count()) * 1000);
        };
        // Per socket operation: a stall timeout, not a limit on the transfer.
        live->setTimeout(us(options.connect_timeout), us(options.stall_timeout),
                         us(options.stall_timeout));
        live->setKeepAlive(true);
        live->setKeepAliveTimeout(Poco::Timespan(24 * 60 * 60, 0));
        return *live;
    }

    // One exchange; `write` sends the body (may be null), `read` takes the answer's body.
    template <typename Write, typename Read>
    Poco::Net::HTTPResponse exchange(HTTPRequest& req, const std::string& token, Write&& write,
                                     Read&& read) {
        std::lock_guard lock(mutex);
        struct DropOnFailure {
            std::unique_ptr<Poco::Net::HTTPClientSession>& live;
            bool ok = false;
            ~DropOnFailure() {
                if (!ok) live.reset();
            }
        } guard{live};
        try {
            if (!token.empty()) req.set("Authorization", "Bearer " + token);
            auto& s = session();
            std::ostream& out = s.sendRequest(req);
            // A small send buffer: a write that returns has brought its bytes close to the
            // link, so progress is what the link moved (and the stall timeout, waiting for the
            // answer, need not cover a deep buffer draining at 64 kbit/s); a cut loses little.
            s.socket().setSendBufferSize(static_cast<int>(bp::socket_buffer_bytes));
            s.socket().setNoDelay(true);  // pieces go as written, not held for an ACK (Nagle)
            write(out);
            out.flush();
            Poco::Net::HTTPResponse resp;
            std::istream& in = s.receiveResponse(resp);
            if (resp.has("X-Device-Token")) new_token = resp.get("X-Device-Token");
            const int status = static_cast<int>(resp.getStatus());
            if (status >= 300) {
                std::string body;
                char buf[4096];
                while (in.read(buf, sizeof buf) || in.gcount() > 0)
                    body.append(buf, static_cast<size_t>(in.gcount()));
                guard.ok = resp.getKeepAlive();
                if (status == 409 && resp.has(bp::header_received))
                    throw Error(ErrorKind::conflict, errc::blob_offset_mismatch,
                                resp.get(bp::header_received));
                throw_answer(status, body);
            }
            read(resp, in);
            if (in.bad())
                throw Error(ErrorKind::transient, errc::sync_network,
                            "connection lost while receiving a blob");
            guard.ok = resp.getKeepAlive();
            return resp;
        } catch (const Poco::TimeoutException& e) {
            throw Error(ErrorKind::transient, errc::sync_timeout,
                        "no progress for " + std::to_string(options.stall_timeout.count()) +
                            " ms: " + e.displayText());
        } catch (const Poco::Exception& e) {
            throw Error(ErrorKind::transient, errc::sync_network,
                        "connection lost: " + e.displayText());
        }
    }

    HTTPRequest request(const std::string& method, const std::string& ref) const {
        HTTPRequest req(method, base.getPath() + std::string(bp::path_prefix) + ref,
                        Poco::Net::HTTPMessage::HTTP_1_1);
        return req;
    }
};

HttpBlobTransport::HttpBlobTransport(const std::string& base_url, HttpBlobOptions options)
    : impl_(std::make_unique<Impl>()) {
    try {
        impl_->base = Poco::URI(base_url);
    } catch (const Poco::Exception& e) {
        throw Error(ErrorKind::invalid_input, errc::sync_malformed,
                    "bad server URL '" + base_url + "': " + e.displayText());
    }
    if (!impl_->base.getPath().empty() && impl_->base.getPath().back() == '/')
        impl_->base.setPath(impl_->base.getPath().substr(0, impl_->base.getPath().size() - 1));
    impl_->options = std::move(options);
    if (impl_->base.getScheme() == "https") {
        Poco::Net::initializeSSL();
        Poco::Net::Context::Params params;
        params.caLocation = impl_->options.ca_file;
        params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
        params.verificationDepth = 9;
        params.loadDefaultCAs = impl_->options.ca_file.empty();
        impl_->tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
        impl_->tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    } else if (impl_->base.getScheme() != "http" || impl_->base.getHost().empty()) {
        throw Error(
            ErrorKind::invalid_input, errc::sync_malformed,
            "server URL must be http://host:port or https://host:port, not '" + base_url + "'");
    }
}

HttpBlobTransport::~HttpBlobTransport() {
    const bool tls = impl_ && impl_->tls;
    impl_.reset();
    if (tls) Poco::Net::uninitializeSSL();
}

BlobRemote HttpBlobTransport::status(const std::string& ref, const std::string& token) {
    HTTPRequest req = impl_->request(HTTPRequest::HTTP_HEAD, ref);
    const auto resp = impl_->exchange(
        req, token, [](std::ostream&) {}, [](const Poco::Net::HTTPResponse&, std::istream&) {});
    return {header_u64(resp, bp::header_received), resp.get(bp::header_complete, "0") == "1"};
}

BlobRemote HttpBlobTransport::upload(const std::string& ref, uint64_t offset, uint64_t total,
                                     const std::string& content_type, std::string_view bytes,
                                     const std::string& token, const Progress& progress) {
    HTTPRequest req = impl_->request(HTTPRequest::HTTP_PATCH, ref);
    req.set(bp::header_offset, std::to_string(offset));
    req.set(bp::header_length, std::to_string(total));
    req.setContentType(content_type);
    req.setContentLength64(static_cast<Poco::Int64>(bytes.size()));
    const auto resp = impl_->exchange(
        req, token,
        [&](std::ostream& out) {
            for (size_t at = 0; at < bytes.size() && out;) {
                const size_t n = std::min(bp::io_bytes, bytes.size() - at);
                out.write(bytes.data() + at, static_cast<std::streamsize>(n));
                out.flush();
                at += n;
                if (progress && out) progress(at);
            }
        },
        [](const Poco::Net::HTTPResponse&, std::istream& in) {
            char buf[1024];
            while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            }
        });
    return {header_u64(resp, bp::header_received), resp.get(bp::header_complete, "0") == "1"};
}

BlobDownload HttpBlobTransport::download(const std::string& ref, uint64_t offset,
                                         const std::function<void(std::string_view)>& sink,
                                         const std::string& token) {
    HTTPRequest req = impl_->request(HTTPRequest::HTTP_GET, ref);
    if (offset > 0) req.set("Range", "bytes=" + std::to_string(offset) + "-");
    BlobDownload result;
    impl_->exchange(
        req, token, [](std::ostream&) {},
        [&](const Poco::Net::HTTPResponse& resp, std::istream& in) {
            result.size = header_u64(resp, bp::header_length);
            result.content_type = resp.getContentType();
            char buf[bp::io_bytes];
            while (in.read(buf, sizeof buf) || in.gcount() > 0)
                sink(std::string_view(buf, static_cast<size_t>(in.gcount())));
        });
    return result;
}

std::string HttpBlobTransport::take_new_token() {
    std::lock_guard lock(impl_->mutex);
    return std::exchange(impl_->new_token, {});
}

}  // namespace ocop::sync
