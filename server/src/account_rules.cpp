// The rules for usernames, passwords and replica ids, shared by every AccountStore.
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/account_store.hpp"
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

}  // namespace ocop::server
