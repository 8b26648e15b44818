#include "ocop/server/blob_access.hpp"

namespace ocop::server {

namespace {

// Records referencing one blob: a photo is attached once, a signature image perhaps to a few
// records; the check needs one that matches, so a bounded look suffices.
constexpr size_t kMaxHolders = 64;

}  // namespace

BlobAccess::BlobAccess(Store& store, const Schema& schema, const sync::ScopePolicy* scope)
    : store_(store), scope_(scope) {
    for (const auto& [name, collection] : schema.collections())
        for (const auto& field : collection.fields)
            if (field.type == FieldType::blob) blob_fields_.emplace_back(name, field.name);
}

std::vector<BlobAccess::Holder> BlobAccess::holders(const std::string& ref) {
    std::vector<Holder> out;
    for (const auto& [collection, field] : blob_fields_) {
        for (const auto& record : store_.query(collection, {{field, Value(ref)}}, kMaxHolders)) {
            const auto cell = record.fields.find(field);
            if (cell != record.fields.end())
                out.push_back({collection, record.id, cell->second.stamp.replica});
        }
    }
    return out;
}

bool BlobAccess::may_upload(const std::string& ref, const sync::Principal& who) {
    for (const auto& h : holders(ref))
        if (h.writer == who.replica) return true;
    return false;
}

bool BlobAccess::may_download(const std::string& ref, const sync::Principal& who) {
    const auto found = holders(ref);
    if (found.empty()) return false;
    if (!scope_) return true;
    auto scope = scope_->scope([this](std::string_view collection,
                                      std::string_view id) { return store_.read(collection, id); },
                               who.grants);
    for (const auto& h : found)
        if (scope->visible(h.collection, h.id)) return true;
    return false;
}

}  // namespace ocop::server
