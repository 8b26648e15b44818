#include "ocop/sync/http_transport.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <istream>
#include <mutex>
#include <ostream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"

namespace ocop::sync {

namespace {

// A TLS failure that retrying cannot cure: the server's certificate is not trusted, has expired
// or names another host, or no TLS connection can be agreed at all (no common protocol version,
// not a TLS server). A link cut during the handshake is not one of these: that is transient.
bool tls_refused(const Poco::Net::SSLException& e) {
    if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) ||
        dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e) ||
        dynamic_cast<const Poco::Net::SSLContextException*>(&e))
        return true;
    const std::string text = Poco::toLower(e.displayText());
    for (const char* marker :
         {"certificate", "verify", "wrong version number", "unsupported protocol",
          "no protocols available", "handshake failure", "alert", "packet length too long",
          "record layer failure"})
        if (text.find(marker) != std::string::npos) return true;
    return false;
}

// True when the failure is that no connection could be opened at all (refused, no route, the
// name not found, no answer within the connect timeout), as opposed to one that was made and
// then broke. Poco closes the session on any failure, so the exception is all that tells them
// apart: a connect timeout is the one TimeoutException that says "connect timed out".
bool nothing_answered(const Poco::Exception& e) {
    if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e) ||
        dynamic_cast<const Poco::Net::DNSException*>(&e))
        return true;
    if (dynamic_cast<const Poco::TimeoutException*>(&e))
        return Poco::toLower(e.displayText()).find("connect timed out") != std::string::npos;
    if (dynamic_cast<const Poco::Net::NetException*>(&e))
        return e.code() == ENETUNREACH || e.code() == EHOSTUNREACH;
    return false;
}

}  // namespace

struct HttpTransport::Impl {
    Poco::URI base;
    HttpOptions options;
    Poco::Net::Context::Ptr tls;

    std::mutex mutex;  // one request at a time on the one connection
    // The kept connection (null: none open) and when its last answer was read.
    std::unique_ptr<Poco::Net::HTTPClientSession> live;
    std::chrono::steady_clock::time_point last_used;
    std::atomic<size_t> opened{0};

    std::unique_ptr<Poco::Net::HTTPClientSession> session() const {
        std::unique_ptr<Poco::Net::HTTPClientSession> s;
        if (base.getScheme() == "https")
            s = std::make_unique<Poco::Net::HTTPSClientSession>(base.getHost(), base.getPort(),
                                                                tls);
        else
            s = std::make_unique<Poco::Net::HTTPClientSession>(base.getHost(), base.getPort());
        const Poco::Timespan connect(options.connect_timeout.count(), 0);
        const Poco::Timespan io(options.request_timeout.count(), 0);
        s->setTimeout(connect, io, io);
        // Kept open between requests; send() decides when it is too old to try (Poco's own
        // 8 s limit would reconnect behind our back).
        s->setKeepAlive(true);
        s->setKeepAliveTimeout(Poco::Timespan(24 * 60 * 60, 0));
        return s;
    }

    // The error for a refused TLS connection (see tls_refused): not transient, since the same
    // certificate will be refused again until someone fixes the CA file, the URL or the server.
    Error no_connection(const Poco::Exception& e) const {
        return Error(ErrorKind::transient, errc::sync_no_connection,
                     "no connection to the server: nothing answered at " + base.getHost() + ":" +
                         std::to_string(base.getPort()) + " (" + e.displayText() +
                         "); check the network and the server URL");
    }

    Error tls_error(const Poco::Net::SSLException& e) const {
        const std::string trust = options.ca_file.empty() ? "the system's trusted CAs"
                                                          : "the CA file '" + options.ca_file + "'";
        std::string what;
        if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e))
            what =
                "the server's TLS certificate is not issued for the host '" + base.getHost() + "'";
        else if (Poco::toLower(e.displayText()).find("certificate") != std::string::npos)
            what = "the server's TLS certificate is not trusted by " + trust + " (or has expired)";
        else
            what = "no TLS connection could be agreed with " + base.getHost();
        return Error(
            ErrorKind::invalid_input, errc::sync_tls,
            what + ": " + e.displayText() + "; check the server URL and the trusted CA file");
    }

    // A kept connection the server had closed: nothing of an answer arrived on it. Sent again
    // once on a new connection (a sync request may be repeated: a push is applied once).
    struct Stale {};

    HttpReply send(const std::string& method, const std::string& path, const std::string* body,
                   const std::string& token) {
        std::lock_guard lock(mutex);
        // Idle longer than a server keeps connections: it has closed it, do not try it.
        if (live && std::chrono::steady_clock::now() - last_used > tuning::keep_alive_idle)
            live.reset();
        try {
            return send_once(method, path, body, token, live != nullptr);
        } catch (const Stale&) {
            live.reset();
            return send_once(method, path, body, token, false);
        }
    }

    HttpReply send_once(const std::string& method, const std::string& path, const std::string* body,
                        const std::string& token, bool reused) {
        // Any failure leaves the connection in an unknown state: the next request opens anew.
        struct DropOnFailure {
            std::unique_ptr<Poco::Net::HTTPClientSession>& live;
            bool ok = false;
            ~DropOnFailure() {
                if (!ok) live.reset();
            }
        } guard{live};
        try {
            if (!reused) live = session();
            Poco::Net::HTTPClientSession* s = live.get();
            Poco::Net::HTTPRequest req(method, base.getPath() + path,
                                       Poco::Net::HTTPMessage::HTTP_1_1);
            req.set("Accept-Encoding", "gzip");
            req.setContentType("application/json");
            if (!token.empty()) req.set("Authorization", "Bearer " + token);
            std::string compressed;
            if (body) {
                compressed = gzip_compress(*body);
                req.set("Content-Encoding", "gzip");
                req.setContentLength(static_cast<std::streamsize>(compressed.size()));
            }
            bool sent = true;
            try {
                std::ostream& out = s->sendRequest(req);
                if (body)
                    out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
                out.flush();
                sent = static_cast<bool>(out);
            } catch (const Poco::Net::SSLException& e) {  // the handshake happens on connect
                if (reused) throw Stale{};
                if (tls_refused(e)) throw tls_error(e);
                sent = false;
            } catch (const Poco::Exception& e) {
                if (reused) throw Stale{};
                // Nothing to read an answer from: waiting on it would only add the read timeout.
                if (nothing_answered(e)) throw no_connection(e);
                sent = false;
            }
            if (!reused && sent) ++opened;

            // A server may answer and close before reading all of a body it refuses (413): read
            // its answer even when sending failed, and only then call the connection lost.
            Poco::Net::HTTPResponse resp;
            std::istream* in_ptr = nullptr;
            try {
                in_ptr = &s->receiveResponse(resp);
            } catch (const Poco::TimeoutException&) {
                throw;  // the server is slow, not gone: no second wait
            } catch (const Poco::Exception&) {
                if (reused) throw Stale{};  // closed while idle: no answer will come on it
                if (!sent)
                    throw Error(ErrorKind::transient, errc::sync_network,
                                "connection lost while sending");
                throw;
            }
            std::istream& in = *in_ptr;
            std::string raw;
            char buf[64 * 1024];
            while (in.read(buf, sizeof buf) || in.gcount() > 0) {
                raw.append(buf, static_cast<size_t>(in.gcount()));
                if (raw.size() > tuning::max_response_bytes)
                    throw Error(ErrorKind::internal, errc::sync_too_large,
                                "server answer larger than " +
                                    std::to_string(tuning::max_response_bytes) + " bytes");
            }
            if (resp.hasContentLength() &&
                raw.size() != static_cast<size_t>(resp.getContentLength64()))
                throw Error(ErrorKind::transient, errc::sync_network,
                            "connection cut while receiving the answer");
            HttpReply reply;
            reply.status = static_cast<int>(resp.getStatus());
            reply.wire_bytes_sent = compressed.size();
            reply.wire_bytes_received = raw.size();
            reply.body = resp.get("Content-Encoding", "") == "gzip"
                             ? gzip_decompress(raw, tuning::max_response_bytes)
                             : std::move(raw);
            // The answer was read whole: the connection serves the next request, unless the
            // server said it closes it.
            guard.ok = resp.getKeepAlive();
            last_used = std::chrono::steady_clock::now();
            return reply;
        } catch (const Poco::TimeoutException& e) {
            if (nothing_answered(e)) throw no_connection(e);
            throw Error(ErrorKind::transient, errc::sync_timeout, "timed out: " + e.displayText());
        } catch (const Poco::Net::SSLException& e) {
            if (tls_refused(e)) throw tls_error(e);
            throw Error(ErrorKind::transient, errc::sync_network, e.displayText());
        } catch (const Poco::Exception& e) {
            // A reset or a cut handshake: a connection was made and lost; retryable.
            if (nothing_answered(e)) throw no_connection(e);
            throw Error(ErrorKind::transient, errc::sync_network,
                        "connection lost: " + e.displayText());
        }
    }
};

HttpTransport::HttpTransport(const std::string& base_url, HttpOptions options)
    : impl_(std::make_unique<Impl>()) {
    try {
        impl_->base = Poco::URI(base_url);
    } catch (const Poco::Exception& e) {
        throw Error(ErrorKind::invalid_input, errc::sync_malformed,
                    "bad server URL '" + base_url + "': " + e.displayText());
    }
    const auto& scheme = impl_->base.getScheme();
    if ((scheme != "http" && scheme != "https") || impl_->base.getHost().empty())
        throw Error(
            ErrorKind::invalid_input, errc::sync_malformed,
            "server URL must be http://host:port or https://host:port, not '" + base_url + "'");
    if (!impl_->base.getPath().empty() && impl_->base.getPath().back() == '/')
        impl_->base.setPath(impl_->base.getPath().substr(0, impl_->base.getPath().size() - 1));
    impl_->options = std::move(options);
    if (scheme == "https") {
        Poco::Net::initializeSSL();
        try {
            // VERIFY_STRICT: the chain must lead to a trusted CA, and Poco then checks that the
            // certificate names the URL's host (X509_check_host, or X509_check_ip_asc for an
            // address) even for localhost, which VERIFY_RELAXED would skip.
            Poco::Net::Context::Params params;
            params.caLocation = impl_->options.ca_file;
            params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
            params.verificationDepth = 9;
            params.loadDefaultCAs = impl_->options.ca_file.empty();
            impl_->tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
            impl_->tls->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
        } catch (const Poco::Exception& e) {
            Poco::Net::uninitializeSSL();  // the destructor will not run
            throw Error(ErrorKind::invalid_input, errc::sync_tls,
                        "cannot use the CA file '" + impl_->options.ca_file +
                            "' for TLS: " + e.displayText());
        }
    }
}

HttpTransport::~HttpTransport() {
    const bool tls = impl_ && impl_->tls;
    impl_.reset();
    if (tls) Poco::Net::uninitializeSSL();
}

HttpReply HttpTransport::post(const std::string& path, const std::string& json_body,
                              const std::string& bearer_token) {
    return impl_->send(Poco::Net::HTTPRequest::HTTP_POST, path, &json_body, bearer_token);
}

HttpReply HttpTransport::get(const std::string& path) {
    return impl_->send(Poco::Net::HTTPRequest::HTTP_GET, path, nullptr, "");
}

size_t HttpTransport::connections_opened() const noexcept {
    return impl_->opened.load();
}

}  // namespace ocop::sync
