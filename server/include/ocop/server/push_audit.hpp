// The audit trail of one push, shared by every way a changeset reaches the sync service: a
// device's POST /v1/sync and a change made in the dashboard (dashboard/desk_writer.hpp). One
// entry per changeset result: applied, refused or duplicate, with the conflict resolutions it
// carried.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ocop/server/audit_log.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/protocol.hpp"

namespace ocop::server {

AuditEntry audit_entry(std::string user, std::string device_id, std::string replica,
                       int64_t received_ms, const std::string& peer, std::string outcome,
                       std::string code, std::string message);

// The entries of every changeset `answer` reports for `req`, sent by `who` from `peer`.
std::vector<AuditEntry> push_audit_entries(const sync::Principal& who, int64_t received_ms,
                                           const std::string& peer, const sync::SyncRequest& req,
                                           const sync::SyncResponse& answer);

}  // namespace ocop::server
