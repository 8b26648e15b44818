// GET /metrics: the server's counters and gauges in the Prometheus text exposition format, version
// 0.0.4 (docs/metrics.md lists every metric). Who may read it (docs/security.md): with a metrics
// token configured, every request must carry "Authorization: Bearer <token>", from any address;
// without one, only loopback peers whose request was not forwarded by a proxy (no Forwarded,
// X-Forwarded-For or X-Real-IP header). A refused request gets 401 auth.missing_token (no token
// sent) or auth.invalid_token (a wrong one), as a JSON error.
#pragma once

#include <string>

#include "ocop/core/hlc.hpp"
#include "ocop/server/metrics.hpp"
#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class MetricsRoute final : public Route {
  public:
    // `data_dir`: where the SQLite files are measured; `token` empty: loopback only; `clock`: the
    // accounts' clock, against which "seen in the last day" is judged.
    MetricsRoute(ServerContext& context, const Metrics& metrics, std::string data_dir,
                 std::string token, PhysicalClock clock)
        : context_(context),
          metrics_(metrics),
          data_dir_(std::move(data_dir)),
          token_(std::move(token)),
          clock_(std::move(clock)) {}
    const std::string& method() const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    ServerContext& context_;
    const Metrics& metrics_;
    std::string data_dir_;
    std::string token_;
    PhysicalClock clock_;
};

// The metrics token in `file`: its first line, without surrounding blanks. Throws
// Poco::InvalidArgumentException when the file cannot be read or the token is shorter than 16
// characters (a guessable token would be worse than loopback only).
std::string read_metrics_token(const std::string& file);

// Each SQLite database in `data_dir` (not its subdirectories) and its bytes, -wal and -shm
// included, by file name.
std::vector<std::pair<std::string, uint64_t>> database_sizes(const std::string& data_dir);

}  // namespace ocop::server
