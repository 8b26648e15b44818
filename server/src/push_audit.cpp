#include "ocop/server/push_audit.hpp"

#include "ocop/sync/conflict_recorder.hpp"

namespace ocop::server {

AuditEntry audit_entry(std::string user, std::string device_id, std::string replica,
                       int64_t received_ms, const std::string& peer, std::string outcome,
                       std::string code, std::string message) {
    AuditEntry e;
    e.received_ms = received_ms;
    e.user = std::move(user);
    e.device_id = std::move(device_id);
    e.replica = std::move(replica);
    e.remote_address = peer;
    e.outcome = std::move(outcome);
    e.code = std::move(code);
    e.message = std::move(message);
    return e;
}

std::vector<AuditEntry> push_audit_entries(const sync::Principal& who, int64_t received_ms,
                                           const std::string& peer, const sync::SyncRequest& req,
                                           const sync::SyncResponse& answer) {
    std::vector<AuditEntry> entries;
    for (const auto& r : answer.results) {
        const char* outcome = r.duplicate                           ? "duplicate"
                              : r.outcome == sync::Outcome::refused ? "refused"
                                                                    : "applied";
        AuditEntry e = audit_entry(who.user, who.device_id, who.replica, received_ms, peer, outcome,
                                   r.code, r.message);
        e.seq = r.seq;
        for (const auto& cs : req.changesets)
            if (cs.seq == r.seq) {
                e.changes = cs.change_count();
                // A person's resolution or reopening of a conflict is named in the trail.
                if (r.outcome != sync::Outcome::refused && e.message.empty())
                    e.message = sync::ConflictRecorder::describe_resolutions(cs);
            }
        entries.push_back(std::move(e));
    }
    return entries;
}

}  // namespace ocop::server
