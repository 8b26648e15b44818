// Users and their enrolled devices: who may sync, and as which replica. The interface is what the
// routes and ocop-admin use; SqliteAccountStore (sqlite_account_store.hpp) implements it on
// DIR/accounts.db. Passwords and device tokens are stored only as hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

struct EnrollRequest {
    std::string user;
    std::string password;
    std::string replica;
    std::string device_name;
    std::string app_version;
};

struct Enrollment {
    std::string token;  // shown once; only its SHA-256 is stored
    DeviceInfo device;
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

    // The device a token belongs to, or nullopt for an unknown token or a disabled user.
    virtual std::optional<sync::Principal> authenticate(std::string_view token) = 0;
};

// Usernames: [a-z0-9._-]{3,64}. Throws Error(auth.bad_username).
void check_username(std::string_view name);
// At least tuning::min_password_chars characters (UTF-8 code points). Throws
// Error(auth.weak_password).
void check_password(std::string_view password);
// Replica ids as the changeset format accepts them: [a-z0-9_-]{1,64}.
bool valid_replica_id(std::string_view replica) noexcept;

}  // namespace ocop::server
