// The rules for usernames, passwords and replica ids, and the decisions every AccountStore makes
// the same way (account_rules.hpp).
#include "ocop/server/account_rules.hpp"

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/permissions.hpp"
#include "ocop/server/account_store.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

void check_username(std::string_view name) {
    bool ok = name.size() >= 3 && name.size() <= 64;
    for (char c : name)
        ok = ok &&
             ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
    if (!ok)
        throw Error(ErrorKind::invalid_input, errc::auth_bad_username,
                    "a username is 3 to 64 characters of a-z, 0-9, '.', '_' and '-'");
}

void check_password(std::string_view password) {
    size_t chars = 0;
    for (unsigned char c : password)
        if ((c & 0xC0) != 0x80) ++chars;  // count UTF-8 lead bytes, not bytes
    if (chars < tuning::min_password_chars || password.size() > tuning::max_password_bytes)
        throw Error(ErrorKind::invalid_input, errc::auth_weak_password,
                    "a password needs at least " + std::to_string(tuning::min_password_chars) +
                        " characters (and at most " + std::to_string(tuning::max_password_bytes) +
                        " bytes)");
}

bool valid_replica_id(std::string_view replica) noexcept {
    if (replica.empty() || replica.size() > 64) return false;
    for (char c : replica)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

namespace {

void check_length(std::string_view what, const std::string& value, size_t max) {
    if (value.size() > max)
        throw Error(ErrorKind::invalid_input, errc::value_too_long,
                    std::string(what) + " is longer than " + std::to_string(max) + " bytes");
}

std::string revoked_message(int64_t revoked_ms, const std::string& reason) {
    // The calendar day in Vietnam, as the officer reads dates.
    return "this device was revoked by an administrator on " +
           domain::Date::from_unix_ms(revoked_ms).iso() + ": " + reason +
           "; unsent work stays on the device — ask the administrator to reinstate it, then log "
           "in again";
}

}  // namespace

void check_enroll_request(const EnrollRequest& req) {
    if (!valid_replica_id(req.replica))
        throw Error(ErrorKind::invalid_input, errc::sync_malformed,
                    "'replica' must be an id of 1-64 characters [a-z0-9_-]");
    check_length("device_name", req.device_name, tuning::max_device_name_bytes);
    check_length("app_version", req.app_version, tuning::max_app_version_bytes);
}

void check_grant(const sync::Grant& grant) {
    domain::PermissionTable::builtin().require_role(grant.role);
    if (grant.unit.empty() || grant.unit.size() > 64)
        throw Error(ErrorKind::invalid_input, errc::auth_unknown_unit,
                    "a grant needs the id of an administrative unit");
}

void check_revoke_reason(const std::string& reason) {
    if (reason.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(ErrorKind::invalid_input, errc::value_required_missing,
                    "a revocation needs a reason: the device's user is shown it");
    check_length("the revocation reason", reason, tuning::max_revoke_reason_bytes);
}

void throw_bad_credentials() {
    throw Error(ErrorKind::unauthorized, errc::auth_bad_credentials,
                "unknown user or wrong password");
}

void throw_user_exists(const std::string& user) {
    throw Error(ErrorKind::conflict, errc::auth_user_exists, "user '" + user + "' already exists");
}

void throw_user_unknown(const std::string& user) {
    throw Error(ErrorKind::not_found, errc::auth_user_unknown, "no user '" + user + "'");
}

void throw_device_unknown(const std::string& device_id) {
    throw Error(ErrorKind::not_found, errc::auth_unknown_device,
                "no device '" + device_id + "' (ocop-admin device list shows them)");
}

void throw_replica_mismatch(const std::string& replica) {
    // A replica id is visible to every device in pulled stamps, so another user must not be able
    // to take it over and lock the real device out.
    throw Error(
        ErrorKind::forbidden, errc::sync_replica_mismatch,
        "replica " + replica + " is enrolled by another user; this device cannot take it over");
}

void throw_device_revoked(int64_t revoked_ms, const std::string& reason) {
    throw Error(ErrorKind::forbidden, errc::auth_device_revoked,
                revoked_message(revoked_ms, reason));
}

void throw_replica_reserved(const std::string& replica) {
    throw Error(ErrorKind::forbidden, errc::auth_replica_reserved,
                "replica " + replica +
                    " is reserved (the server's own, or one that already wrote data); a new "
                    "device picks a new replica id");
}

void PasswordCheck::require(std::string_view password,
                            const std::optional<std::string>& stored_hash, bool disabled) {
    // Random salt and random "hash" in the real format: checking a password against it costs the
    // same derivation as a real check (and never matches), without deriving anything up front.
    std::call_once(once_, [this] {
        dummy_ = std::string(password_hash_scheme) + "$" + std::to_string(iterations_) + "$" +
                 secrets::base64(secrets::random_bytes(tuning::password_salt_bytes)) + "$" +
                 secrets::base64(secrets::random_bytes(32));
    });
    const bool match = verify_password(password, stored_hash ? *stored_hash : dummy_);
    if (!stored_hash || !match || disabled) throw_bad_credentials();
}

void complete_enrollment(Enrollment& out, const EnrollRequest& req, int64_t now) {
    out.device.user = req.user;
    out.device.replica = req.replica;
    out.device.name = req.device_name;
    out.device.app_version = req.app_version;
    out.device.last_seen_ms = now;
    out.device.token_issued_ms = now;
}

AuthResult invalid_token() {
    AuthResult out;
    out.code = errc::auth_invalid_token;
    out.message = "unknown or replaced device token; log in again (nothing on the device is lost)";
    return out;
}

TokenVerdict judge_token(const PresentedToken& t, int64_t now) {
    TokenVerdict v;
    // A previous token after its grace: as unknown as any replaced token.
    if (!t.via_current && now >= t.previous_valid_until) {
        v.refusal = invalid_token();
        return v;
    }
    v.refusal.device_id = t.device_id;
    v.refusal.user = t.user;
    if (t.revoked_ms) {
        v.refusal.code = errc::auth_device_revoked;
        v.refusal.message = revoked_message(*t.revoked_ms, t.revoked_reason);
        return v;
    }
    if (t.user_disabled) {
        v.refusal.code = errc::auth_user_disabled;
        v.refusal.message = "user '" + t.user +
                            "' was disabled by an administrator; unsent work stays on the device "
                            "— ask the administrator to enable the user, then sync again";
        return v;
    }
    if (now - t.last_seen_ms > tuning::token_idle_expiry.count()) {
        v.refusal.code = errc::auth_token_expired;
        v.refusal.message =
            "this device has not synced for more than " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::days>(tuning::token_idle_expiry).count()) +
            " days, so its token expired; log in again; nothing on the device is lost";
        return v;
    }
    const int64_t age = now - t.token_issued_ms;
    if (!t.via_current) {
        // In the race window the previous token stays as it is: the current one was just issued.
        if (age >= tuning::token_rotation_race_window.count()) v.write = TokenWrite::rotate;
    } else if (age > tuning::token_rotate_after.count()) {
        v.write = TokenWrite::rotate;
    } else if (t.has_previous || now - t.last_seen_ms >= tuning::last_seen_resolution_ms) {
        v.write = TokenWrite::seen;
    }
    return v;
}

}  // namespace ocop::server
