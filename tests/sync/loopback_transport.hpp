// An in-process Transport in the spirit of LiteCore's ReplicatorLoopbackTest: the client's request
// goes through the same bytes as on the network (wire encoding, gzip both ways, HTTP status and
// JSON error body for a failure) into a SyncService, without sockets. Faults can be injected per
// request: the request lost before the server sees it, the answer lost after the server applied
// it, an HTTP error status, or an answer rewritten (garbled) after the server applied it; a fault
// can be scheduled for a later request with `pass`. Every exchange is logged as the server decoded
// the request and as the client will decode the answer, with the compressed sizes, so tests can
// look at what travelled.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"
#include "ocop/sync/protocol.hpp"
#include "ocop/sync/sync_service.hpp"
#include "ocop/sync/transport.hpp"
#include "ocop/sync/tuning.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::sync::test {

// The HTTP status a server answers for an error of this kind (the inverse of the client's
// mapping, as documented in docs/sync-protocol.md).
inline int http_status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid_input:
            return 400;
        case ErrorKind::unauthorized:
            return 401;
        case ErrorKind::forbidden:
            return 403;
        case ErrorKind::not_found:
            return 404;
        case ErrorKind::conflict:
            return 409;
        case ErrorKind::too_large:
            return 413;
        case ErrorKind::transient:
            return 503;
        case ErrorKind::internal:
            return 500;
    }
    return 500;
}

struct Fault {
    enum Kind {
        pass,            // no fault for this post (to schedule a fault on a later one)
        drop_request,    // lost on the way: the server never sees it (Error sync.network)
        drop_answer,     // the server handled it, the answer is lost (Error sync.network)
        http_status,     // a proxy or an overloaded server answers `status` without handling it
        rewrite_answer,  // the server handled it; the client receives HTTP 200 with
                         // rewrite(the encoded answer)
    };
    using Rewrite = std::function<std::string(const std::string&)>;
    Fault(Kind k, int http = 503, Rewrite r = {}) : kind(k), status(http), rewrite(std::move(r)) {}

    Kind kind;
    int status;       // for http_status
    Rewrite rewrite;  // for rewrite_answer
};

struct LoggedExchange {
    std::optional<SyncRequest> request;    // as the server decoded it (absent if lost before)
    std::optional<SyncResponse> response;  // as the client decodes it (also when it was lost)
    int status = 0;                        // HTTP status sent (0: nothing arrived)
    std::optional<Fault::Kind> fault;
    bool server_handled = false;
    size_t wire_sent = 0;      // the request body as it crossed (gzip)
    size_t wire_received = 0;  // the answer body as it crossed (gzip)
};

class LoopbackTransport final : public Transport {
  public:
    LoopbackTransport(SyncService& service, Principal who)
        : service_(&service), who_(std::move(who)) {}

    // Points the transport at another server (a replaced server database).
    void set_service(SyncService& service) { service_ = &service; }
    // Who the server sees: tests change the user's grants between syncs.
    Principal& principal() noexcept { return who_; }

    // The next `times` posts suffer `fault`, in the order injected.
    void inject(Fault fault, int times = 1) {
        for (int i = 0; i < times; ++i) faults_.push_back(fault);
    }
    void clear_faults() { faults_.clear(); }

    // Called after the server handled a request, before the answer is encoded or lost.
    std::function<void(const SyncRequest&, const SyncResponse&)> after_server;

    const std::vector<LoggedExchange>& log() const noexcept { return log_; }
    size_t posts() const noexcept { return log_.size(); }
    size_t server_calls() const {
        size_t n = 0;
        for (const auto& e : log_) n += e.server_handled ? 1 : 0;
        return n;
    }
    // The exchanges the client received an answer for (not lost, HTTP 200).
    std::vector<const LoggedExchange*> delivered() const {
        std::vector<const LoggedExchange*> out;
        for (const auto& e : log_)
            if (e.status == 200) out.push_back(&e);
        return out;
    }

    // The client may post the next pull while it applies a page (the server half is all this
    // transport touches); false keeps a run strictly one exchange after another.
    bool overlap = true;
    bool overlaps_apply() const noexcept override { return overlap; }

    // A client that never stops (a loop that does not advance) fails the test instead of
    // hanging it: beyond this many posts every answer is HTTP 500.
    size_t max_posts = 1000;

    HttpReply post(const std::string& path, const std::string& json_body,
                   const std::string& /*bearer_token*/) override {
        LoggedExchange& ex = log_.emplace_back();
        if (log_.size() > max_posts)
            return answer(ex, 500, wire::error_body("loopback.runaway", "too many requests"));
        std::optional<Fault> fault;
        if (!faults_.empty()) {
            if (faults_.front().kind != Fault::pass) fault = faults_.front();
            faults_.pop_front();
            if (fault) ex.fault = fault->kind;
        }
        if (fault && fault->kind == Fault::drop_request)
            throw Error(ErrorKind::transient, errc::sync_network,
                        "loopback: request lost before reaching the server");
        if (path != "/v1/sync")
            return answer(ex, 404, wire::error_body(errc::http_not_found, "no route " + path));
        if (fault && fault->kind == Fault::http_status)
            return answer(ex, fault->status,
                          wire::error_body(errc::sync_server_error, "loopback: injected status"));

        // The bytes as they would travel: gzip on the way, inflated under the zip-bomb guard.
        std::string body;
        try {
            const std::string compressed = gzip_compress(json_body);
            ex.wire_sent = compressed.size();
            if (compressed.size() > tuning::max_request_body_bytes)
                return answer(ex, 413,
                              wire::error_body(errc::http_body_too_large, "body too large"));
            body = gzip_decompress(compressed, tuning::max_inflated_body_bytes);
        } catch (const Error& e) {
            return answer(ex, http_status_for(e.kind()), wire::error_body(e.code(), e.what()));
        }

        std::string response_text;
        try {
            ex.request = wire::decode_request(body);
            const SyncResponse resp = service_->handle(*ex.request, who_);
            ex.server_handled = true;
            if (after_server) after_server(*ex.request, resp);
            response_text = wire::encode(resp);
            ex.response = wire::decode_response(response_text);
        } catch (const Error& e) {
            return answer(ex, http_status_for(e.kind()), wire::error_body(e.code(), e.what()));
        } catch (const std::exception& e) {
            return answer(ex, 500, wire::error_body(errc::internal_error, e.what()));
        }
        if (fault && fault->kind == Fault::drop_answer)
            throw Error(ErrorKind::transient, errc::sync_network,
                        "loopback: answer lost after the server applied the request");
        if (fault && fault->kind == Fault::rewrite_answer) {
            ex.response.reset();
            return answer(ex, 200, fault->rewrite(response_text));
        }
        return answer(ex, 200, response_text);
    }

  private:
    // Every answer crosses gzip-compressed too and is inflated under the response size limit.
    static HttpReply answer(LoggedExchange& ex, int status, const std::string& body) {
        ex.status = status;
        const std::string compressed = gzip_compress(body);
        ex.wire_received = compressed.size();
        HttpReply reply{status, gzip_decompress(compressed, tuning::max_response_bytes)};
        reply.wire_bytes_sent = ex.wire_sent;
        reply.wire_bytes_received = ex.wire_received;
        return reply;
    }

    SyncService* service_;
    Principal who_;
    std::deque<Fault> faults_;
    std::vector<LoggedExchange> log_;
};

}  // namespace ocop::sync::test
