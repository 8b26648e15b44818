// The provincial desk: the web dashboard ocop-server serves under /desk (docs/dashboard.md).
// What its routes share: the server's stores and sync service, the login throttle of /v1/login,
// the scope policy devices pull through, and the browser sessions.
//
// A browser session is a device like any other: logging in enrols the user's desk replica
// ("desk-" and a digest of the user name) with the user's password, and the session keeps that
// device token on the server side (the browser holds only a random session id in an HttpOnly,
// SameSite=Strict cookie, Secure over TLS). Every request re-authenticates the token, so a
// revoked device, a disabled user or a changed grant takes effect on the next page; every change
// made in the browser is a changeset of that replica pushed through SyncService::handle and
// audited like a device's push (desk_writer.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "ocop/domain/date.hpp"
#include "ocop/server/dashboard/desk_cache.hpp"
#include "ocop/server/login_throttle.hpp"
#include "ocop/server/server_context.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::server::desk {

struct DeskSession {
    std::string id;    // the cookie's value: 32 random bytes, base64url
    std::string csrf;  // the token every form sends back (synchronizer token)
    std::string user;
    std::string token;  // the desk replica's device token
    std::string replica;
    int64_t last_used_ms = 0;
};

// The sessions of logged-in browsers, in memory (a restart logs everyone out). Thread-safe.
class DeskSessions {
  public:
    DeskSessions(PhysicalClock clock, std::chrono::milliseconds idle_expiry)
        : clock_(std::move(clock)), idle_expiry_(idle_expiry) {}

    DeskSession open(std::string user, std::string token, std::string replica);
    // The session of a cookie value, unless unknown or idle too long (then forgotten).
    std::optional<DeskSession> find(const std::string& id);
    void replace_token(const std::string& id, const std::string& token);
    void close(const std::string& id);

  private:
    PhysicalClock clock_;
    std::chrono::milliseconds idle_expiry_;
    std::mutex mutex_;
    std::map<std::string, DeskSession, std::less<>> sessions_;
};

struct DeskContext {
    ServerContext& server;
    LoginThrottle& throttle;
    const sync::ScopePolicy& scope;
    bool secure_cookies;  // the server speaks TLS: cookies get Secure
    DeskSessions sessions;
    // "Today" for certificate states (the demo province's data are relative to its own today).
    std::function<domain::Date()> today;
    DeskCache cache;  // the records the lists show
    // One desk push at a time: each takes the next number of its replica.
    std::mutex push_mutex;
};

// The desk replica of a user: "desk-" and 16 hex digits of the SHA-256 of the name (replica ids
// allow no dots; the digest keeps "a.b" and "a_b" apart).
std::string desk_replica(const std::string& user);

}  // namespace ocop::server::desk
