// What every AccountStore decides the same way, whatever stores the rows: the checks of a request,
// the errors and messages a device's user sees, and the verdict on a presented device token
// (refused, accepted, rotated). SqliteAccountStore and PgAccountStore only read and write rows.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "ocop/server/account_store.hpp"

namespace ocop::server {

// Throws Error: sync.malformed (replica id), value.too_long (device name, app version).
void check_enroll_request(const EnrollRequest& req);
// Throws Error: auth.unknown_role, auth.unknown_unit.
void check_grant(const sync::Grant& grant);
// Throws Error: value.required_missing (blank), value.too_long.
void check_revoke_reason(const std::string& reason);

// The same answer for an unknown user, a wrong password and a disabled user.
[[noreturn]] void throw_bad_credentials();
[[noreturn]] void throw_user_exists(const std::string& user);
[[noreturn]] void throw_user_unknown(const std::string& user);
[[noreturn]] void throw_device_unknown(const std::string& device_id);
// Enrolment of a replica another user enrolled, of a revoked device, of a reserved replica id.
[[noreturn]] void throw_replica_mismatch(const std::string& replica);
[[noreturn]] void throw_device_revoked(int64_t revoked_ms, const std::string& reason);
[[noreturn]] void throw_replica_reserved(const std::string& replica);

// The password check of a login (enroll).
class PasswordCheck {
  public:
    explicit PasswordCheck(uint32_t iterations) : iterations_(iterations) {}
    // Throws auth.bad_credentials for an unknown user (no stored hash), a wrong password and a
    // disabled user alike. The same work whether or not the user exists, and the same answer for
    // every failure, so that neither the message nor the time tells an attacker which usernames
    // exist.
    void require(std::string_view password, const std::optional<std::string>& stored_hash,
                 bool disabled);

  private:
    const uint32_t iterations_;
    std::once_flag once_;
    std::string dummy_;  // checked for unknown users, so they cost as much as known ones
};

// The rest of an enrolment's answer once its device row is written (id, created_ms set).
void complete_enrollment(Enrollment& out, const EnrollRequest& req, int64_t now);

// The AuthResult of a token that is unknown, replaced, or a previous token past its grace.
AuthResult invalid_token();

// The stored state of the device a presented token belongs to (as current or previous token).
struct PresentedToken {
    std::string device_id;
    std::string user;
    std::string replica;
    bool via_current = false;           // the presented token is the current one
    bool has_previous = false;          // a previous token is kept (in its grace)
    int64_t previous_valid_until = 0;   // its deadline
    std::optional<int64_t> revoked_ms;  // set: revoked
    std::string revoked_reason;
    bool user_disabled = false;
    int64_t last_seen_ms = 0;
    int64_t token_issued_ms = 0;
};

// What authenticate() writes for an accepted token.
enum class TokenWrite {
    none,
    // A new current token. Presented as current: it becomes the previous one for the grace.
    // Presented as previous: it keeps its first deadline, and the current one is replaced.
    rotate,
    // last_seen moves on; the previous token is dropped (the device uses the new one).
    seen,
};

struct TokenVerdict {
    AuthResult refusal;  // code set: refused (who is never set here)
    TokenWrite write = TokenWrite::none;
    bool refused() const noexcept { return !refusal.code.empty(); }
};

// The rules of docs/security.md, "Device tokens": grace, revocation, disabled users, idle
// expiry, weekly rotation. A previous token presented within tuning::token_rotation_race_window
// of the rotation is accepted without rotating again: that is a request that raced the rotating
// one (in parallel, or on another server process); a second new token would replace the one the
// other answer carries, and a device that kept that one would be locked out.
TokenVerdict judge_token(const PresentedToken& token, int64_t now);

}  // namespace ocop::server
