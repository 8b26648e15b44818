// What the routes share: the stores, the sync service and the server's identity. Owned by Server
// (server.hpp); routes keep a reference for the life of the HTTP server.
#pragma once

#include <string>

#include "ocop/core/hlc.hpp"
#include "ocop/core/store.hpp"
#include "ocop/server/account_store.hpp"
#include "ocop/server/audit_log.hpp"
#include "ocop/server/http_body.hpp"
#include "ocop/server/metrics.hpp"
#include "ocop/server/work_gate.hpp"
#include "ocop/sync/sync_service.hpp"

namespace ocop::server {

// The version reported by /v1/health: the project version from CMake.
#ifndef OCOP_VERSION
#define OCOP_VERSION "0.0.0-dev"
#endif
inline constexpr const char* server_version = OCOP_VERSION;

struct ServerContext {
    Store& store;
    AccountStore& accounts;
    AuditLog& audit;
    sync::SyncService& sync;
    std::string server_id;
    BodyLimits limits;  // for /v1/sync; login bodies have their own, smaller limit
    PhysicalClock clock = system_physical_clock();
    Metrics* metrics = nullptr;     // the server's counters (null in tests of bare routes)
    WorkGate* sync_work = nullptr;  // the sync route's turns (null: no limit, bare routes)
};

}  // namespace ocop::server
