// Users and their enrolled devices: who may sync, and as which replica. The interface is what the
// routes and ocop-admin use; SqliteAccountStore (sqlite_account_store.hpp) implements it on
// DIR/accounts.db, PgAccountStore (ocop/postgres/pg_account_store.hpp) on PostgreSQL. Passwords and
// device tokens are stored only as hashes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/hlc.hpp"
#include "ocop/server/tuning.hpp"
#include "ocop/sync/sync_service.hpp"

namespace ocop::server {

struct UserInfo {
    std::string name;
    int64_t created_ms = 0;
    bool disabled = false;
};

struct DeviceInfo {
    std::string id;  // UUID assigned at first enrolment, kept across re-enrolments
    std::string user;
    std::string replica;  // the replica id the device syncs as
    std::string name;
    std::string app_version;
    int64_t created_ms = 0;
    int64_t last_seen_ms = 0;
    // Set by `ocop-admin device revoke`: the token stopped working at that moment and the device
    // is told `revoked_reason` on its next request, until an administrator reinstates it.
    std::optional<int64_t> revoked_ms;
    std::string revoked_reason;
    int64_t token_issued_ms = 0;  // when the current token was issued (login or rotation)
};

struct EnrollRequest {
    std::string user;
    std::string password;
    std::string replica;
    std::string device_name;
    std::string app_version;
};

// What authenticate() found for a token. Exactly one of `who` and `code` is set.
struct AuthResult {
    std::optional<sync::Principal> who;  // with the user's grants
    // Why the token does not work: auth.invalid_token (unknown), auth.device_revoked,
    // auth.user_disabled, auth.token_expired (idle longer than tuning::token_idle_expiry).
    std::string code;
    std::string message;    // for the device's user, e.g. the revocation reason and date
    std::string device_id;  // when the token was known (revoked device, disabled user): for audit
    std::string user;
    // Set when the token was due for rotation (older than tuning::token_rotate_after): the new
    // token the device must use from now on. The presented token stays valid for
    // tuning::token_rotation_grace, in case this answer is lost.
    std::optional<std::string> rotated_token;
};

struct Enrollment {
    std::string token;  // shown once; only its SHA-256 is stored
    DeviceInfo device;
};

// How every AccountStore is set up (SqliteAccountStore, PgAccountStore).
struct AccountStoreOptions {
    // Work factor of new password hashes. Tests lower it; production keeps the default.
    uint32_t pbkdf2_iterations = tuning::pbkdf2_iterations;
    // Unix ms: token ages, rotation, idle expiry, revocation times. Tests move it by weeks.
    PhysicalClock clock = system_physical_clock();
    // True for a replica id that no new device may take: the server's own ("server-…") and any
    // that already wrote to the data store. A replica id is visible to every device in pulled
    // stamps; enrolling under one would let a device write as its owner. Unset: only ids of
    // enrolled devices are protected (their owner check).
    std::function<bool(const std::string& replica)> replica_reserved;
};

class AccountStore {
  public:
    virtual ~AccountStore() = default;

    // Throws Error: auth.bad_username, auth.weak_password, auth.user_exists.
    virtual void add_user(const std::string& name, std::string_view password) = 0;
    virtual bool has_user(const std::string& name) = 0;
    virtual std::vector<UserInfo> users() = 0;
    virtual std::vector<DeviceInfo> devices() = 0;

    // Checks the password and issues a new device token. Enrolling the same replica again (same
    // user) replaces its token: the old one stops working. Throws Error: auth.bad_credentials
    // (unknown user, wrong password or disabled user: one message for all), sync.malformed (bad
    // replica id), value.too_long, sync.replica_mismatch (the replica belongs to another user).
    virtual Enrollment enroll(const EnrollRequest& req) = 0;

    // Checks a device token (see AuthResult); updates last_seen and rotates the token when due.
    virtual AuthResult authenticate(std::string_view token) = 0;

    // Roles on administrative units (permission table: ocop/domain/permissions.hpp). The role
    // must be a known role (auth.unknown_role), the user must exist (auth.user_unknown). The
    // unit id is not checked here (the accounts store does not see admin units): the caller
    // checks it against the data store. Granting twice is a no-op; revoking a grant the user
    // does not hold returns false.
    virtual void add_grant(const std::string& user, const sync::Grant& grant) = 0;
    virtual bool remove_grant(const std::string& user, const sync::Grant& grant) = 0;
    virtual std::vector<sync::Grant> grants(const std::string& user) = 0;

    // A disabled user's devices stop working at once (auth.user_disabled); enabling restores
    // them with their tokens. Throws auth.user_unknown.
    virtual void set_user_disabled(const std::string& user, bool disabled) = 0;

    // Cuts a device off at once: its token stops working and its next request is answered
    // auth.device_revoked with `reason`. Logging in again from a revoked device (same replica)
    // is refused with auth.device_revoked too, until reinstate_device. Throws auth.unknown_device.
    virtual void revoke_device(const std::string& device_id, const std::string& reason) = 0;
    // Lets a revoked device enrol again (a password login issues a new token); its unsent
    // changesets then sync as usual. Throws auth.unknown_device.
    virtual void reinstate_device(const std::string& device_id) = 0;
    virtual std::optional<DeviceInfo> device(const std::string& device_id) = 0;
};

// Usernames: [a-z0-9._-]{3,64}. Throws Error(auth.bad_username).
void check_username(std::string_view name);
// At least tuning::min_password_chars characters (UTF-8 code points). Throws
// Error(auth.weak_password).
void check_password(std::string_view password);
// Replica ids as the changeset format accepts them: [a-z0-9_-]{1,64}.
bool valid_replica_id(std::string_view replica) noexcept;

}  // namespace ocop::server
