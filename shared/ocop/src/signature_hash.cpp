#include "ocop/domain/signature_hash.hpp"

#include <algorithm>
#include <set>

#include "ocop/core/local_replica.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/sha256.hpp"

namespace ocop::domain {

std::string inspection_signature_hash(const FieldValues& inspection,
                                      const std::vector<std::string>& photo_refs) {
    nlohmann::json fields = nlohmann::json::object();
    std::set<std::string> blobs(photo_refs.begin(), photo_refs.end());
    for (const auto& [name, value] : inspection) {
        if (name == signature_hash_field || name == deleted_field || value.is_null()) continue;
        fields[name] = value;
        if (value.is_string() && is_blob_ref(value.get<std::string>()))
            blobs.insert(value.get<std::string>());
    }
    const nlohmann::json covered = {{"blobs", std::vector<std::string>(blobs.begin(), blobs.end())},
                                    {"fields", fields}};
    return blob_ref_of(covered.dump());
}

std::vector<std::string> inspection_photo_refs(Store& store, const std::string& id) {
    std::vector<std::string> refs;
    for (const auto& photo : store.query("evidence_photo", {{"parent_id", Value(id)}}, 100000)) {
        if (photo.get("parent_collection") != Value("inspection")) continue;
        const Value& blob = photo.get("blob");
        if (blob.is_string()) refs.push_back(blob.get<std::string>());
    }
    return refs;
}

std::optional<SignatureCheck> check_inspection_signature(Store& store, const std::string& id) {
    const auto record = store.read("inspection", id);
    if (!record) return std::nullopt;
    SignatureCheck check;
    const FieldValues values = record->values();
    const Value& stored = record->get(signature_hash_field);
    check.stored = stored.is_string() ? stored.get<std::string>() : std::string();
    check.is_signed = record->get("status") == Value("signed") && !check.stored.empty();
    check.computed = inspection_signature_hash(values, inspection_photo_refs(store, id));
    check.intact = check.is_signed && check.computed == check.stored;
    return check;
}

}  // namespace ocop::domain
