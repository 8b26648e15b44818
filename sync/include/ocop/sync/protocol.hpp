// The messages of the sync protocol, version 1, as C++ values. One request pushes a device's
// pending changesets and pulls one page of what changed on the server; docs/sync-protocol.md
// describes them on the wire, wire.hpp encodes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"

namespace ocop::sync {

inline constexpr int protocol_version = 1;

struct PullRequest {
    uint64_t cursor = 0;
    size_t max_cells = 0;  // 0: the server's default
    size_t max_bytes = 0;
    // A backfill: only records of these units (within the user's grants), from `cursor`. A
    // device asks for one when its user gains a unit, instead of pulling everything again.
    std::optional<std::vector<std::string>> only_units = std::nullopt;
    // false: leave out the cells whose current stamp is this device's own (it wrote them and
    // holds them); the cursor still moves past them. Ignored in a backfill. Absent on the wire
    // (older devices): true.
    bool echo = true;
};

struct SyncRequest {
    std::string replica;     // the device's replica id; must match its token
    int schema_version = 0;  // the schema the app was built with
    std::string app_version;
    Hlc hlc;                            // the device's clock when sending
    std::vector<Changeset> changesets;  // in seq order, without gaps
    std::optional<PullRequest> pull;
    // Restore detection (docs/sync-protocol.md, "Restored server"): the server epoch the device
    // last synced with ("" before its first answer), and the highest of its changesets the
    // server acknowledged. A server that holds less than that was restored from a backup.
    std::string epoch;
    uint64_t acked = 0;
    // Sent after a restore older than the device's retention window: the changesets before
    // this number are lost for good; the server accepts this one as the next.
    std::optional<uint64_t> skip_to;
};

enum class Outcome {
    applied,  // stored; every field either became current or lost to a greater stamp
    refused,  // not stored (validation, permission, record state); the reason is in code/message
};

// The server's current version of a cell, or none: sent back with a refusal so the device can
// undo the refused write locally.
struct ServerCell {
    std::string collection;
    std::string record_id;
    std::string field;
    std::optional<CellValue> current;
};

struct ChangesetResult {
    uint64_t seq = 0;
    Outcome outcome = Outcome::applied;
    bool duplicate = false;  // this changeset had been received before: same outcome again
    size_t applied = 0;      // field changes that became current
    size_t superseded = 0;   // field changes that lost to a greater stamp
    // Conflicts this changeset opened (not those it extended). Server-side only, for the
    // server's metrics: not on the wire, so a duplicate's stored outcome says 0.
    size_t conflicts_opened = 0;
    std::optional<Hlc> restamped;  // the device clock ran ahead: the server stored this stamp
    std::string code;              // for refused: stable error code
    std::string message;           // for refused: human message naming the field and the rule
    std::vector<ServerCell> server_values;  // for refused: the server's version of each field
};

struct PullPage {
    uint64_t cursor = 0;  // pass back to continue
    bool more = false;    // another page is waiting
    uint64_t head = 0;    // the server's sequence head when this page was read
    std::vector<Cell> cells;
};

struct SyncResponse {
    std::string server_id;  // changes if the server's database was replaced: pull from 0 again
    // Changes when the database was restored from a backup (by ocop-admin restore, or when a
    // device showed the server had lost data): the device re-sends what it retained and pulls
    // from 0 again. Empty from servers without epochs.
    std::string epoch;
    // Set when the request named another epoch: the highest changeset of this device the server
    // holds, from which the device re-sends.
    std::optional<uint64_t> last_applied;
    Hlc hlc;                     // the server's clock, for the device to merge
    int64_t server_time_ms = 0;  // the server's physical clock, to correct a device's offset
    std::vector<ChangesetResult> results;
    // Set when the first changeset's seq skipped numbers: the seq the server expects next.
    std::optional<uint64_t> expected_seq;
    std::optional<PullPage> pull;
    // The roles and units of the device's user, as of this answer: the device keeps only
    // records these cover and checks its own writes against them. Unset by servers that do not
    // scope (tests of the bare protocol).
    std::optional<std::vector<Grant>> grants;
    // The device's token was rotated: use this one from now on (docs/security.md).
    std::optional<std::string> new_token;
};

}  // namespace ocop::sync
