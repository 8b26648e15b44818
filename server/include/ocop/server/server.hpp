// The server's parts wired together: the data store (DIR/ocop.db), the account store
// (DIR/accounts.db), the HLC, the sync service with the built-in schema's guard, the router and
// the Poco HTTPServer on its own thread pool. ServerApp (server_app.hpp) runs one from the command
// line; the tests run one on an ephemeral loopback port.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "ocop/core/hlc.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/domain/permission_rule.hpp"
#include "ocop/domain/rules.hpp"
#include "ocop/server/blob_access.hpp"
#include "ocop/server/blob_store.hpp"
#include "ocop/server/connection_watchdog.hpp"
#include "ocop/server/dashboard/desk_context.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/memory_budget.hpp"
#include "ocop/server/metrics.hpp"
#include "ocop/server/server_context.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "ocop/server/tuning.hpp"
#include "ocop/sync/sync_service.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace ocop::server {

class Router;

struct ServerOptions {
    std::string data_dir = "./data";
    // Where the server's data lives: empty for the embedded default (SQLite files in data_dir),
    // or a PostgreSQL URL (postgresql://...) for a province that runs several server processes
    // on one database (docs/postgresql.md); its tables go in `database_schema`.
    std::string database;
    std::string database_schema = "ocop";
    std::string listen = "127.0.0.1";
    uint16_t port = 8080;  // 0: any free port (see Server::port())
    uint32_t pbkdf2_iterations = tuning::pbkdf2_iterations;
    BodyLimits limits;
    int max_threads = tuning::http_max_threads;
    int max_queued = tuning::http_max_queued;
    // Syncs doing their work at once (work_gate.hpp); 0: twice the machine's cores.
    size_t sync_work_slots = 0;
    // Slow links (connection_watchdog.hpp): header timeout, body grace and minimum rate, and
    // connections per address. Tests shorten the times.
    WatchdogPolicy watchdog = {std::chrono::milliseconds(tuning::http_header_timeout),
                               std::chrono::milliseconds(tuning::http_body_grace),
                               tuning::http_min_body_bytes_per_second,
                               tuning::http_max_connections_per_address,
                               std::chrono::milliseconds(250),
                               {}};
    // The memory all request bodies together may hold (memory_budget.hpp), and how long a request
    // waits for its share before it is answered 503 http.busy.
    size_t request_memory_budget = tuning::request_memory_budget_bytes;
    std::chrono::milliseconds request_memory_wait = tuning::request_memory_wait;
    // HTTPS (tls.hpp): the server certificate (PEM, intermediates may follow it) and its
    // unencrypted PEM private key. Required unless plain_http.
    std::string tls_cert_file;
    std::string tls_key_file;
    // Plain HTTP instead: refused unless `listen` is a loopback address (tests, or a
    // TLS-terminating reverse proxy on the same host).
    bool plain_http = false;
    LoginThrottle::Policy login_throttle;
    PhysicalClock login_throttle_clock;  // empty: the system clock (tests move their own)
    // The accounts' clock: token age, rotation and idle expiry, last seen. Empty: the system
    // clock (tests move their own to show rotation after days of use).
    PhysicalClock accounts_clock;
    // Reverse proxies on this host whose X-Forwarded-For names the client (client_address.hpp);
    // their connections are not capped per address (watchdog.trusted_proxies is set from it).
    TrustedProxies trusted_proxies;
    // GET /metrics (routes/metrics_route.hpp): a file holding the token it requires; empty:
    // loopback peers only, without a token.
    std::string metrics_token_file;
};

class Server {
  public:
    // Creates the data directory if needed and opens the stores: a directory of a newer data
    // layout is refused (store.layout_too_new) before any file is opened, one of an older layout
    // migrated in place (data_layout.hpp). Throws Error (store.*) or Poco::Exception (directory)
    // on failure.
    explicit Server(ServerOptions options);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();  // stops if still running

    // Binds the listening socket (HTTPS, or plain HTTP as the options allow: tls.hpp) and starts
    // serving. Throws Poco::InvalidArgumentException for a transport configuration that is not
    // allowed or TLS files that cannot be used, Poco::Net::NetException if the address cannot be
    // bound.
    void start();
    // Graceful: stops accepting, lets in-flight requests finish, then persists the clock.
    void stop();

    uint16_t port() const noexcept { return bound_port_; }  // the bound port once started
    const std::string& server_id() const noexcept { return context_->server_id; }
    const ServerOptions& options() const noexcept { return options_; }
    Store& store() noexcept { return *store_; }
    // The SQLite store when the server runs on the embedded default, null on PostgreSQL.
    SqliteStore* sqlite_store() noexcept { return dynamic_cast<SqliteStore*>(store_.get()); }
    bool on_postgresql() const noexcept { return !options_.database.empty(); }
    AccountStore& accounts() noexcept { return *accounts_; }
    AuditLog& audit() noexcept { return *audit_; }
    BlobStore& blobs() noexcept { return *blobs_; }
    const Metrics& metrics() const noexcept { return metrics_; }
    // Once started: the request-memory budget and the slow-link watchdog (tests look inside).
    const MemoryBudget* request_memory() const noexcept { return request_memory_.get(); }
    const ConnectionWatchdog* watchdog() const noexcept { return watchdog_.get(); }
    const WorkGate* sync_work() const noexcept { return sync_work_.get(); }
    // Writes the demo province through the server's own replica if the store is empty; returns
    // what was written, or nothing when the store already held data.
    std::optional<domain::DemoReport> seed_demo_province(
        const domain::DemoOptions& options = domain::DemoOptions{});

  private:
    ServerOptions options_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<AccountStore> accounts_;
    std::unique_ptr<HlcClock> clock_;
    std::unique_ptr<domain::DomainRules> rules_;
    std::unique_ptr<domain::PermissionChecker> permissions_;
    std::unique_ptr<sync::ChangesetGuard> guard_;
    std::unique_ptr<LocalReplica> writer_;
    std::unique_ptr<sync::SyncService> sync_;
    std::unique_ptr<AuditLog> audit_;
    std::unique_ptr<ServerContext> context_;
    Metrics metrics_;  // what /metrics shows, counted by the handler and the sync route
    std::unique_ptr<LoginThrottle> login_throttle_;  // used by the login route
    std::unique_ptr<BlobStore> blobs_;               // DIR/blobs (blob_store.hpp)
    std::unique_ptr<BlobAccess> blob_access_;
    std::unique_ptr<desk::DeskContext> desk_;  // the web dashboard (dashboard/)
    std::unique_ptr<MemoryBudget> request_memory_;
    std::unique_ptr<WorkGate> sync_work_;  // the sync route's turns (work_gate.hpp)
    std::unique_ptr<ConnectionWatchdog> watchdog_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;  // the router, shared with Poco
    Router* router_ = nullptr;
    std::unique_ptr<Poco::Net::TCPServer> http_;
    uint16_t bound_port_ = 0;
};

}  // namespace ocop::server
