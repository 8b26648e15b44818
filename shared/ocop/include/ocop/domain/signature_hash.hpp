// What a signature covers (docs/attachments.md, "Signed minutes"): the signing device writes,
// in the changeset that signs an inspection, signature_hash = "sha256:<hex>" of
//   {"blobs":[...],"fields":{...}}   (nlohmann::json's dump: keys sorted, no spaces)
// where "fields" are the inspection's fields as they are once signed (status, signed_by,
// signed_at included; signature_hash itself and the tombstone excluded) and "blobs" the sorted,
// distinct blob references of the inspection's own blob fields (producer_signature) and of the
// live evidence_photo records attached to it (parent_collection "inspection", parent_id its id).
// A blob reference is the SHA-256 of the blob's bytes, so the hash covers the photos' and the
// signature image's content too. Any replica recomputes it from what it holds: a field changed,
// a photo replaced, added or removed after signing shows as a mismatch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ocop/core/local_replica.hpp"
#include "ocop/core/store.hpp"

namespace ocop::domain {

inline constexpr const char* signature_hash_field = "signature_hash";

// The hash of an inspection's fields and blobs (as above).
std::string inspection_signature_hash(const FieldValues& inspection,
                                      const std::vector<std::string>& photo_refs);

// The blob references of the live evidence photos attached to inspection `id` in `store`.
std::vector<std::string> inspection_photo_refs(Store& store, const std::string& id);

struct SignatureCheck {
    bool is_signed = false;  // the inspection is signed and carries a hash
    bool intact = false;     // the hash matches what this replica holds
    std::string stored;      // the hash it carries
    std::string computed;    // the hash of what this replica holds
};

// Recomputes the hash of a signed inspection from `store`; nothing when there is no such
// inspection.
std::optional<SignatureCheck> check_inspection_signature(Store& store, const std::string& id);

}  // namespace ocop::domain
