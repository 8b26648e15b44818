#include "ocop/server/routes/metrics_route.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/IPAddress.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/routes/sync_route.hpp"
#include "ocop/server/secrets.hpp"

namespace ocop::server {

namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr size_t kMinTokenLength = 16;

bool loopback(const Poco::Net::IPAddress& host) {
    if (host.isLoopback()) return true;
    // An IPv4 peer on a dual-stack socket: ::ffff:127.x.y.z.
    return host.isIPv4Mapped() && host.toString().rfind("::ffff:127.", 0) == 0;
}

// A proxy on the same host makes every peer look local: a forwarded request is not.
bool forwarded(const Poco::Net::HTTPServerRequest& request) {
    return request.has("Forwarded") || request.has("X-Forwarded-For") || request.has("X-Real-IP");
}

}  // namespace

std::string read_metrics_token(const std::string& file) {
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line))
        throw Poco::InvalidArgumentException("cannot read the metrics token file " + file);
    const auto first = line.find_first_not_of(" \t\r");
    const auto last = line.find_last_not_of(" \t\r");
    const std::string token =
        first == std::string::npos ? "" : line.substr(first, last - first + 1);
    if (token.size() < kMinTokenLength)
        throw Poco::InvalidArgumentException(
            "the metrics token in " + file + " has " + std::to_string(token.size()) +
            " characters; it needs at least " + std::to_string(kMinTokenLength));
    return token;
}

std::vector<std::pair<std::string, uint64_t>> database_sizes(const std::string& data_dir) {
    namespace fs = std::filesystem;
    std::map<std::string, uint64_t> sizes;
    std::error_code ec;
    for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code file_ec;
        if (!it->is_regular_file(file_ec)) continue;
        std::string name = it->path().filename().string();
        for (const char* suffix : {"-wal", "-shm"})
            if (name.size() > 4 && name.ends_with(suffix)) name.resize(name.size() - 4);
        if (!name.ends_with(".db")) continue;
        const auto bytes = it->file_size(file_ec);
        if (!file_ec) sizes[name] += bytes;  // a file removed meanwhile counts as nothing
    }
    return {sizes.begin(), sizes.end()};
}

const std::string& MetricsRoute::method() const {
    return Poco::Net::HTTPRequest::HTTP_GET;
}

void MetricsRoute::handle(Poco::Net::HTTPServerRequest& request,
                          Poco::Net::HTTPServerResponse& response, Exchange& exchange) {
    if (!token_.empty()) {
        const std::string sent = bearer_token(request.get("Authorization", ""));
        if (sent.empty())
            throw Error(ErrorKind::unauthorized, errc::auth_missing_token,
                        "/metrics needs 'Authorization: Bearer <metrics token>'");
        // Hashes first: the comparison then takes the same time whatever the sent length.
        if (!secrets::constant_time_equal(secrets::sha256_hex(sent), secrets::sha256_hex(token_)))
            throw Error(ErrorKind::unauthorized, errc::auth_invalid_token,
                        "this is not the metrics token");
    } else if (!loopback(request.clientAddress().host()) || forwarded(request)) {
        throw Error(ErrorKind::unauthorized, errc::auth_missing_token,
                    "/metrics is served only to loopback peers unless the server has a metrics "
                    "token (server.metrics_token_file); see docs/security.md");
    }

    MetricGauges gauges;
    const int64_t now = clock_();
    for (const auto& d : context_.accounts.devices()) {
        if (d.revoked_ms) continue;
        ++gauges.devices_enrolled;
        if (now - d.last_seen_ms <= kDayMs) ++gauges.devices_seen_last_day;
    }
    gauges.database_bytes = database_sizes(data_dir_);
    gauges.store_head = context_.store.head();
    if (context_.sync_work) {
        gauges.sync_work_slots = context_.sync_work->slots();
        gauges.syncs_waiting_for_turn = context_.sync_work->waiting();
    }
    send_body(request, response, Poco::Net::HTTPResponse::HTTP_OK,
              "text/plain; version=0.0.4; charset=utf-8", metrics_.render(gauges), exchange);
}

}  // namespace ocop::server
