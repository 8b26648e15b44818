#include "ocop/server/server_identity.hpp"

#include <Poco/UUIDGenerator.h>

#include <charconv>

#include "ocop/core/uuid.hpp"

namespace ocop::server {

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

Hlc load_server_hlc(Store& store) {
    const auto text = store.meta(meta_key::server_hlc);
    uint64_t packed = 0;
    if (!text ||
        std::from_chars(text->data(), text->data() + text->size(), packed).ec != std::errc())
        return {};
    return Hlc::unpack(packed);
}

void save_server_hlc(Store& store, Hlc hlc) {
    store.write(
        [&](StoreTxn& txn) { txn.set_meta(meta_key::server_hlc, std::to_string(hlc.packed())); });
}

}  // namespace ocop::server
