#include "ocop/server/server_identity.hpp"

#include <Poco/UUIDGenerator.h>

#include <Poco/Logger.h>

#include "ocop/core/stored_number.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/server/tuning.hpp"

#include "ocop/core/uuid.hpp"

namespace ocop::server {

std::string server_writer_replica(const std::string& server_id, bool per_process) {
    std::string id = std::string(server_replica_prefix) + server_id;
    if (per_process)
        id += "-" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString().substr(0, 8);
    return id;
}

std::string ensure_server_id(Store& store) {
    if (auto id = store.meta(meta_key::server_id); id && is_uuid(*id)) return *id;
    std::string id;
    store.write([&](StoreTxn& txn) {
        // Re-read inside the write transaction: another process may have won the race.
        if (auto stored = txn.meta(meta_key::server_id); stored && is_uuid(*stored)) {
            id = *stored;
            return;
        }
        id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        txn.set_meta(meta_key::server_id, id);
    });
    return id;
}

Hlc load_server_hlc(Store& store, int64_t physical_ms) {
    const Hlc stored =
        Hlc::unpack(stored_u64(store.meta(meta_key::server_hlc), meta_key::server_hlc));
    // The server's clock never runs further ahead than the tolerance, so a stored clock far beyond
    // the host's was dragged there by an unchecked base stamp (before bases were held to the
    // tolerance; at the end of its range it makes every answer unusable for devices). It is not
    // resumed. A host clock merely set back (minutes, after an NTP correction) is not that: the
    // stored clock is resumed, so no stamp is issued twice or out of order.
    if (stored.wall_ms > physical_ms + tuning::max_resumed_clock_ahead_ms) {
        Poco::Logger::get("ocop.server")
            .warning("stored server clock " + std::to_string(stored.wall_ms) +
                     " ms is beyond the tolerance of the physical clock; not resumed");
        return Hlc{physical_ms + ocop::tuning::max_clock_ahead_ms, 0};
    }
    return stored;
}

void save_server_hlc(Store& store, Hlc hlc) {
    store.write(
        [&](StoreTxn& txn) { txn.set_meta(meta_key::server_hlc, std::to_string(hlc.packed())); });
}

}  // namespace ocop::server
