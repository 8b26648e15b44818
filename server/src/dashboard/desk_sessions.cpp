#include "ocop/server/dashboard/desk_context.hpp"

#include "ocop/server/secrets.hpp"

namespace ocop::server::desk {

DeskSession DeskSessions::open(std::string user, std::string token, std::string replica) {
    DeskSession s;
    s.id = secrets::base64url(secrets::random_bytes(32));
    s.csrf = secrets::base64url(secrets::random_bytes(32));
    s.user = std::move(user);
    s.token = std::move(token);
    s.replica = std::move(replica);
    s.last_used_ms = clock_();
    std::lock_guard lock(mutex_);
    // Expired sessions go when a new one comes, so the map stays as large as the active users.
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = s.last_used_ms - it->second.last_used_ms > idle_expiry_.count() ? sessions_.erase(it)
                                                                             : std::next(it);
    sessions_[s.id] = s;
    return s;
}

std::optional<DeskSession> DeskSessions::find(const std::string& id) {
    const int64_t now = clock_();
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return std::nullopt;
    if (now - it->second.last_used_ms > idle_expiry_.count()) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.last_used_ms = now;
    return it->second;
}

void DeskSessions::replace_token(const std::string& id, const std::string& token) {
    std::lock_guard lock(mutex_);
    if (const auto it = sessions_.find(id); it != sessions_.end()) it->second.token = token;
}

void DeskSessions::close(const std::string& id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
}

std::string desk_replica(const std::string& user) {
    return "desk-" + secrets::sha256_hex(user).substr(0, 16);
}

}  // namespace ocop::server::desk
