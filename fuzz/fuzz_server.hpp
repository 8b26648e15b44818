// The server the HTTP fuzz target talks to: the same parts as ocop::server::Server (server.cpp)
// wired the same way (data store, accounts, HLC, rules guard with the permission table, sync
// service, audit log, router with the real routes), on a temporary data directory created once
// per process and without a socket. Seeded with the demo province and one user whose device has
// a fixed token (kToken, also in the corpus and the dictionary), so that fuzzed requests get past
// authentication and reach the sync service.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "ocop/core/hlc.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/permission_rule.hpp"
#include "ocop/domain/rules.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/router.hpp"
#include "ocop/server/server_context.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "ocop/sync/sync_service.hpp"

namespace ocop::fuzz {

inline constexpr const char* kUser = "fuzzer";
inline constexpr const char* kPassword = "fuzz-password-1";
inline constexpr const char* kReplica = "fuzz-device";
inline constexpr const char* kToken = "fuzz-token-0123456789";

// Keeps the error-level log lines of one request, so that a broken invariant can say what the
// server logged (a 500's cause is only in the log). Everything else is dropped once made.
class ErrorCapture final : public Poco::Channel {
  public:
    void log(const Poco::Message& message) override {
        if (message.getPriority() <= Poco::Message::PRIO_ERROR && last_.size() < 4000)
            last_ += message.getText() + "\n";
    }
    std::string take() { return std::exchange(last_, {}); }

  private:
    std::string last_;
};

class FuzzServer {
  public:
    FuzzServer();
    FuzzServer(const FuzzServer&) = delete;
    FuzzServer& operator=(const FuzzServer&) = delete;

    server::Router& router() { return *router_; }
    // The errors the server logged since the previous call.
    std::string last_logged_error() { return errors_->take(); }
    // Moves the login throttle's clock on by a second: one request is one second of the fuzzer's
    // time, so lockouts happen and also expire.
    void tick() { throttle_ms_ += 1000; }

  private:
    // First member, so the directory goes only after every store in it has been closed.
    struct DataDir {
        std::filesystem::path path;
        explicit DataDir(std::filesystem::path p);
        ~DataDir();
    } dir_;
    Poco::AutoPtr<ErrorCapture> errors_{new ErrorCapture};
    std::atomic<int64_t> throttle_ms_{1'795'392'000'000};
    std::unique_ptr<SqliteStore> store_;
    std::unique_ptr<server::SqliteAccountStore> accounts_;
    std::unique_ptr<HlcClock> clock_;
    std::unique_ptr<domain::DomainRules> rules_;
    std::unique_ptr<domain::PermissionChecker> permissions_;
    std::unique_ptr<sync::ChangesetGuard> guard_;
    std::unique_ptr<LocalReplica> writer_;
    std::unique_ptr<sync::SyncService> sync_;
    std::unique_ptr<server::SqliteAuditLog> audit_;
    std::unique_ptr<server::ServerContext> context_;
    std::unique_ptr<server::LoginThrottle> throttle_;
    std::unique_ptr<server::Router> router_;
};

}  // namespace ocop::fuzz
