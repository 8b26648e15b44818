// The C ABI's blobs (ocop_sdk.h, "blobs"): store, find, fetch, sync, budget, prefetch, and the
// app's preparer.
#include "c_api_handle.hpp"

using nlohmann::json;
using namespace ocop::sdk::c_api;

struct ocop_blob_prepared {
    std::string bytes;
    std::string content_type;
    bool set = false;
};

namespace {

json report_json(const ocop::sdk::BlobReport& r) {
    return {{"complete", r.complete},
            {"uploaded", r.uploaded},
            {"downloaded", r.downloaded},
            {"pending", r.pending},
            {"not_referenced", r.not_referenced},
            {"bytes_sent", r.bytes_sent},
            {"bytes_received", r.bytes_received},
            {"resent_acknowledged", r.resent_acknowledged},
            {"lost_in_flight", r.lost_in_flight},
            {"requests", r.requests},
            {"failures", r.failures},
            {"error_code", r.error_code},
            {"error_message", r.error_message}};
}

[[noreturn]] void not_here(const char* ref) {
    throw ocop::Error(ocop::ErrorKind::not_found, ocop::errc::blob_not_found,
                      std::string(ref) + " is not on this device");
}

}  // namespace

extern "C" {

char* ocop_blob_put_bytes(ocop_db* db, const void* bytes, size_t len, const char* content_type,
                          size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {content_type, len ? bytes : db}, [&] {
        std::string data(static_cast<const char*>(bytes), len);
        return hand_out(db->db->blobs().put_bytes(std::move(data), content_type), out_len);
    });
}

char* ocop_blob_put_file(ocop_db* db, const char* path, const char* content_type, size_t* out_len,
                         ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {path, content_type}, [&] {
        return hand_out(db->db->blobs().put_file(path, content_type), out_len);
    });
}

char* ocop_blob_path(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {ref}, [&] {
        const auto file = db->db->blobs().path(ref);
        if (!file) not_here(ref);
        return hand_out(*file, out_len);
    });
}

char* ocop_blob_info_json(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {ref}, [&] {
        const auto i = db->db->blobs().info(ref);
        if (!i) not_here(ref);
        return hand_out(json{{"ref", i->ref},
                             {"size", i->size},
                             {"content_type", i->content_type},
                             {"uploaded", i->uploaded},
                             {"local", i->local}}
                            .dump(),
                        out_len);
    });
}

char* ocop_blob_fetch(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {ref},
                     [&] { return hand_out(db->db->fetch_blob(ref), out_len); });
}

char* ocop_blob_sync_json(ocop_db* db, size_t* out_len, ocop_error** err) {
    return on_handle(db, err, static_cast<char*>(nullptr), {},
                     [&] { return hand_out(report_json(db->db->sync_blobs()).dump(), out_len); });
}

bool ocop_blob_set_budget(ocop_db* db, uint64_t bytes, ocop_error** err) {
    return on_handle(db, err, false, {}, [&] {
        db->db->blobs().set_budget(bytes);
        return true;
    });
}

bool ocop_blob_set_prefetch(ocop_db* db, const char* collection, bool prefetch, ocop_error** err) {
    return on_handle(db, err, false, {collection}, [&] {
        db->db->blobs().set_prefetch(collection, prefetch);
        return true;
    });
}

void ocop_blob_prepared_set(ocop_blob_prepared* out, const void* bytes, size_t len,
                            const char* content_type) {
    if (!out || (len && !bytes)) return;
    out->bytes.assign(static_cast<const char*>(bytes), len);
    if (content_type) out->content_type = content_type;
    out->set = true;
}

bool ocop_blob_set_preparer(ocop_db* db, ocop_blob_prepare_fn fn, void* ctx, ocop_error** err) {
    return on_handle(db, err, false, {}, [&] {
        if (!fn) {
            db->db->blobs().set_preparer({});
            return true;
        }
        db->db->blobs().set_preparer([fn, ctx](std::string& bytes, std::string& type) {
            ocop_blob_prepared out{{}, type, false};
            if (!fn(ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), type.c_str(),
                    &out))
                throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::blob_io,
                                  "the app's preparer refused this blob");
            if (out.set) {
                bytes = std::move(out.bytes);
                type = std::move(out.content_type);
            }
        });
        return true;
    });
}

}  // extern "C"
