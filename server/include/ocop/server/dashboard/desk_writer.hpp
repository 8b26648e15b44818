// Changes made in the browser: a changeset of the viewer's desk replica, pushed through the same
// SyncService::handle a device's POST /v1/sync reaches (schema, permission table, domain rules,
// conflict detection, exactly-once bookkeeping) and audited with the same entries
// (push_audit.hpp). The desk never writes the store itself.
#pragma once

#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/server/dashboard/desk_http.hpp"

namespace ocop::server::desk {

struct DeskPushResult {
    bool applied = false;
    std::string code;  // the refusal's code
    std::string message;
};

// Pushes `records` as one changeset; each field's base is the stamp the store holds now (the
// person chose with the current values on screen). A refusal is a result, not an exception.
DeskPushResult push_changes(DeskContext& ctx, const Viewer& viewer,
                            std::vector<RecordChange> records, const std::string& peer);

// Resolves an open conflict with its value number `index` (1-based, as listed), as
// sdk::Database::resolve_conflict_by_index does on a device. Throws Error: desk.bad_request (no
// such conflict for this viewer, or no such value), conflict.not_open.
DeskPushResult resolve_conflict(DeskContext& ctx, const Viewer& viewer,
                                const std::string& conflict_id, size_t index,
                                const std::string& peer);

}  // namespace ocop::server::desk
