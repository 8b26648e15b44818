#include "ocop/sync/http_transport.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/URI.h>

#include <istream>
#include <ostream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"

namespace ocop::sync {

struct HttpTransport::Impl {
    Poco::URI base;
    HttpOptions options;
    Poco::Net::Context::Ptr tls;

    std::unique_ptr<Poco::Net::HTTPClientSession> session() const {
        std::unique_ptr<Poco::Net::HTTPClientSession> s;
        if (base.getScheme() == "https")
            s = std::make_unique<Poco::Net::HTTPSClientSession>(base.getHost(), base.getPort(), tls);
        else
            s = std::make_unique<Poco::Net::HTTPClientSession>(base.getHost(), base.getPort());
        const Poco::Timespan connect(options.connect_timeout.count(), 0);
        const Poco::Timespan io(options.request_timeout.count(), 0);
        s->setTimeout(connect, io, io);
        return s;
    }

    HttpReply send(const std::string& method, const std::string& path, const std::string* body,
                   const std::string& token) const {
        try {
            auto s = session();
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
                if (body) out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
                out.flush();
                sent = static_cast<bool>(out);
            } catch (const Poco::Exception&) {
                sent = false;
            }

            // A server may answer and close before reading all of a body it refuses (413): read
            // its answer even when sending failed, and only then call the connection lost.
            Poco::Net::HTTPResponse resp;
            std::istream* in_ptr = nullptr;
            try {
                in_ptr = &s->receiveResponse(resp);
            } catch (const Poco::Exception&) {
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
            return reply;
        } catch (const Poco::TimeoutException& e) {
            throw Error(ErrorKind::transient, errc::sync_timeout, "timed out: " + e.displayText());
        } catch (const Poco::Exception& e) {
            // Connection refused, reset, DNS, TLS handshake: all "no answer", all retryable.
            throw Error(ErrorKind::transient, errc::sync_network, e.displayText());
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
        throw Error(ErrorKind::invalid_input, errc::sync_malformed,
                    "server URL must be http://host:port or https://host:port, not '" + base_url + "'");
    if (!impl_->base.getPath().empty() && impl_->base.getPath().back() == '/')
        impl_->base.setPath(impl_->base.getPath().substr(0, impl_->base.getPath().size() - 1));
    impl_->options = std::move(options);
    if (scheme == "https") {
        Poco::Net::initializeSSL();
        impl_->tls = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                            impl_->options.ca_file,
                                            Poco::Net::Context::VERIFY_STRICT, 9,
                                            impl_->options.ca_file.empty());
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

}  // namespace ocop::sync
