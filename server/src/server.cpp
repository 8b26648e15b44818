#include "ocop/server/server.hpp"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Path.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <csignal>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/server/dashboard/desk_routes.hpp"
#include "ocop/server/data_layout.hpp"
#include "ocop/server/http_connection.hpp"
#include "ocop/server/router.hpp"
#include "ocop/server/routes/blob_route.hpp"
#include "ocop/server/routes/health_route.hpp"
#include "ocop/server/routes/login_route.hpp"
#include "ocop/server/routes/metrics_route.hpp"
#include "ocop/server/routes/sync_route.hpp"
#include "ocop/server/server_identity.hpp"
#include "ocop/server/server_stores.hpp"
#include "ocop/server/tls.hpp"
#include "ocop/sync/blob_protocol.hpp"

namespace ocop::server {

Server::Server(ServerOptions options) : options_(std::move(options)) {
    ServerStores stores = open_server_stores(options_);
    store_ = std::move(stores.data);
    accounts_ = std::move(stores.accounts);
    audit_ = std::move(stores.audit);

    const std::string server_id = ensure_server_id(*store_);
    clock_ = std::make_unique<HlcClock>(system_physical_clock(), ocop::tuning::max_clock_ahead_ms,
                                        load_server_hlc(*store_, system_physical_clock()()));
    const Schema& schema = builtin_schema();
    rules_ = std::make_unique<domain::DomainRules>();
    // Every change is checked against its sender's roles and units (the permission table).
    permissions_ = std::make_unique<domain::PermissionChecker>();
    guard_ = std::make_unique<sync::RulesGuard>(schema, rules_->list(), permissions_.get(),
                                                &rules_->signing());
    // The server's own replica writes what the server itself decides: conflict records. Several
    // processes on one PostgreSQL database each write as a replica of their own, so that two
    // clocks never issue the same stamp under one replica id.
    writer_ = std::make_unique<LocalReplica>(*store_, schema, system_physical_clock(),
                                             server_writer_replica(server_id, on_postgresql()),
                                             std::vector<const ChangesetRule*>{},
                                             /*keep_outbox=*/false);
    sync_ =
        std::make_unique<sync::SyncService>(*store_, *clock_, *guard_, server_id, schema.version(),
                                            writer_.get(), &domain::builtin_scope_policy());
    // A conflict names the earlier writer from its enrolment, even when that writer's push was
    // applied before the recorder remembered owners.
    sync_->set_replica_owners([accounts = accounts_.get()](
                                  const std::string& replica) -> std::optional<sync::ReplicaOwner> {
        for (const auto& d : accounts->devices())
            if (d.replica == replica) return sync::ReplicaOwner{d.user, d.id};
        return std::nullopt;
    });
    context_.reset(new ServerContext{*store_, *accounts_, *audit_, *sync_, server_id,
                                     options_.limits, system_physical_clock()});
    blobs_ = std::make_unique<FilesystemBlobStore>(
        Poco::Path(options_.data_dir).append(Poco::Path(blobs_dir_name)).toString());
    blob_access_ = std::make_unique<BlobAccess>(*store_, schema, &domain::builtin_scope_policy());
    const PhysicalClock throttle_clock =
        options_.login_throttle_clock ? options_.login_throttle_clock : system_physical_clock();
    login_throttle_ =
        stores.throttle_state
            ? std::make_unique<LoginThrottle>(throttle_clock, options_.login_throttle,
                                              std::move(stores.throttle_state))
            : std::make_unique<LoginThrottle>(throttle_clock, options_.login_throttle);
    // The desk's sessions expire after 8 idle hours: a working day, not a week.
    const PhysicalClock clock =
        options_.accounts_clock ? options_.accounts_clock : system_physical_clock();
    desk_.reset(new desk::DeskContext{*context_,
                                      *login_throttle_,
                                      domain::builtin_scope_policy(),
                                      !options_.plain_http,
                                      desk::DeskSessions(clock, std::chrono::hours(8)),
                                      [clock] { return domain::Date::from_unix_ms(clock()); },
                                      desk::DeskCache(*store_),
                                      {}});
}

std::optional<domain::DemoReport> Server::seed_demo_province(const domain::DemoOptions& options) {
    if (store_->head() != 0) return std::nullopt;
    return domain::generate_demo_province(*writer_, options);
}

Server::~Server() {
    try {
        stop();
    } catch (const std::exception& e) {
        Poco::Logger::get("ocop.server").error(std::string("while stopping: ") + e.what());
    }
}

void Server::start() {
    if (http_) return;
    // HTTPS, unless plain HTTP was asked for on a loopback address (tls.hpp).
    if (const auto problem = transport_problem(options_.listen, options_.tls_cert_file,
                                               options_.tls_key_file, options_.plain_http))
        throw Poco::InvalidArgumentException(*problem);
    const std::string metrics_token = options_.metrics_token_file.empty()
                                          ? std::string()
                                          : read_metrics_token(options_.metrics_token_file);
    const Poco::Net::SocketAddress address(options_.listen, options_.port);
    const auto listen = [&]() -> Poco::Net::ServerSocket {
        if (options_.plain_http)
            return Poco::Net::ServerSocket(address, tuning::http_listen_backlog);
        return Poco::Net::SecureServerSocket(
            address, tuning::http_listen_backlog,
            make_server_tls_context(options_.tls_cert_file, options_.tls_key_file));
    };
    Poco::Net::ServerSocket socket = listen();
    bound_port_ = socket.address().port();

    // A client that goes away while we write to it must cost an error, not the process.
    std::signal(SIGPIPE, SIG_IGN);
#if defined(__GLIBC__)
    // Request bodies are large, short-lived blocks allocated by many threads. With glibc's
    // adaptive threshold they soon come from per-thread arenas, which keep what they freed: the
    // resident memory would grow to arenas x largest request, not to the request-memory budget.
    // A fixed threshold maps every block of 1 MiB or more on its own and unmaps it when freed.
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(tuning::malloc_mmap_threshold_bytes));
#endif

    request_memory_ = std::make_unique<MemoryBudget>(options_.request_memory_budget,
                                                     options_.request_memory_wait);
    WatchdogPolicy watchdog_policy = options_.watchdog;
    watchdog_policy.trusted_proxies = options_.trusted_proxies;
    watchdog_ =
        std::make_unique<ConnectionWatchdog>(watchdog_policy, Poco::Logger::get("ocop.http"));
    context_->metrics = &metrics_;
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    sync_work_ =
        std::make_unique<WorkGate>(options_.sync_work_slots ? options_.sync_work_slots : 2 * cores);
    context_->sync_work = sync_work_.get();
    auto* router = new Router(Poco::Logger::get("ocop.http"),
                              RequestServices{watchdog_.get(), request_memory_.get(), &metrics_,
                                              &options_.trusted_proxies});
    handlers_ = Poco::Net::HTTPRequestHandlerFactory::Ptr(router);
    router_ = router;
    router->add("/v1/health", std::make_unique<HealthRoute>(*context_))
        .add("/v1/login", std::make_unique<LoginRoute>(*context_, *login_throttle_))
        .add("/v1/sync", std::make_unique<SyncRoute>(*context_))
        .add(std::string(sync::blob_protocol::path_prefix),
             std::make_unique<BlobRoute>(*context_, *blobs_, *blob_access_))
        .add("/metrics",
             std::make_unique<MetricsRoute>(
                 *context_, metrics_, options_.data_dir, metrics_token,
                 options_.accounts_clock ? options_.accounts_clock : system_physical_clock()));
    desk::add_desk_routes(*router, *desk_);

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.max_threads);
    params->setMaxQueued(options_.max_queued);
    params->setTimeout(Poco::Timespan(tuning::http_receive_timeout.count(), 0));
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(tuning::http_keep_alive_timeout.count(), 0));
    params->setServerName("ocop-server");
    params->setSoftwareVersion(std::string("ocop-server/") + server_version);

    // A pool of our own, so that stop() can wait for exactly our in-flight requests. Poco's
    // HTTPServer is a TCPServer with its connection factory; ours registers every connection with
    // the slow-link watchdog (http_connection.hpp).
    pool_ = std::make_unique<Poco::ThreadPool>("ocop-http", 2, options_.max_threads + 1);
    http_ = std::make_unique<Poco::Net::TCPServer>(
        new WatchedHttpConnectionFactory(params, handlers_, *watchdog_), *pool_, socket, params);
    http_->start();
}

void Server::stop() {
    if (!http_) return;
    // Poco pitfall: TCPServer::stop()/HTTPServer::stopAll(false) only stop accepting and ask
    // connections to end after their current request; they do not wait. Joining our pool waits
    // until every in-flight request has been answered, before the stores go away.
    http_->stop();
    router_->server_stopped();  // what HTTPServer::stopAll(false) does after stop()
    pool_->joinAll();
    http_.reset();
    pool_.reset();
    router_ = nullptr;
    handlers_ = nullptr;
    watchdog_.reset();
    request_memory_.reset();
    save_server_hlc(*store_, clock_->last());
}

}  // namespace ocop::server
