// Conflicts: two officers set the same field differently without seeing each other's value. The
// merge rule still picks a provisional value (the greater stamp) so every replica converges, and
// this recorder keeps every competing value, with who wrote it, when and from which device, in a
// `conflict` record that syncs to the devices of the unit until a person resolves it.
#pragma once

#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"

namespace ocop::sync {

struct ConcurrentWrite {
    std::string collection;
    std::string record_id;
    std::string field;
    CellValue current;  // what the server held
    Value incoming;     // what the device wrote without having seen `current`
};

class ConflictRecorder {
public:
    explicit ConflictRecorder(LocalReplica& server_writer) : writer_(server_writer) {}

    // Before `cs` is applied: its field changes whose base is not the current stamp (the writer
    // had not seen the current value), whose current value came from another replica, and whose
    // values differ.
    std::vector<ConcurrentWrite> detect(StoreTxn& txn, const Changeset& cs) const;

    // After `cs` is applied: opens or extends the conflict record of each field.
    void record(StoreTxn& txn, const std::vector<ConcurrentWrite>& writes, const Changeset& cs,
                const Principal& who);

    // The id of the conflict record of one field, the same on every replica.
    static std::string conflict_id(std::string_view collection, std::string_view record_id,
                                   std::string_view field);

private:
    LocalReplica& writer_;
};

inline constexpr const char* conflict_collection = "conflict";

// ISO 8601 UTC text of a Unix time in milliseconds, e.g. 2026-11-23T08:30:00Z.
std::string iso_utc(int64_t unix_ms);

}  // namespace ocop::sync
