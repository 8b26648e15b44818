// The C ABI over the C++ API: catches every exception at the boundary and reports it through
// ocop_error, so no C++ exception ever crosses into JNI or Swift.
#include <cstring>
#include <exception>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/messages_vi.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/json_views.hpp"
#include "ocop/sdk/ocop_sdk.h"

struct ocop_db {
    std::unique_ptr<ocop::sdk::Database> db;
};

namespace {

using nlohmann::json;

void fill(ocop_error* err, int kind, const std::string& code, const std::string& message) {
    if (!err) return;
    err->kind = kind;
    std::snprintf(err->code, sizeof err->code, "%s", code.c_str());
    std::snprintf(err->message, sizeof err->message, "%s", message.c_str());
}

int kind_of(ocop::ErrorKind k) { return static_cast<int>(k) + 1; }

char* dup(const std::string& s) {
    char* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (out) std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

// Runs `fn`, turning exceptions into `err`; returns `fallback` on failure.
template <typename F, typename R>
R guarded(ocop_error* err, R fallback, F&& fn) {
    try {
        return fn();
    } catch (const ocop::Error& e) {
        fill(err, kind_of(e.kind()), e.code(), e.what());
    } catch (const json::exception& e) {
        fill(err, OCOP_ERR_INVALID_INPUT, ocop::errc::http_bad_json, e.what());
    } catch (const std::exception& e) {
        fill(err, OCOP_ERR_INTERNAL, ocop::errc::internal_error, e.what());
    }
    return fallback;
}

bool check_args(ocop_error* err, std::initializer_list<const void*> args) {
    for (const void* a : args)
        if (!a) {
            fill(err, OCOP_ERR_INVALID_INPUT, ocop::errc::sync_malformed, "a required argument is NULL");
            return false;
        }
    return true;
}

ocop::FieldValues fields_of(const json& j) {
    if (!j.is_object())
        throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                          "'fields' must be an object");
    ocop::FieldValues out;
    for (const auto& [k, v] : j.items()) out.emplace(k, v);
    return out;
}

}  // namespace

extern "C" {

int ocop_sdk_abi_version(void) { return OCOP_SDK_ABI_VERSION; }

const char* ocop_error_message_vi(const ocop_error* err) {
    if (!err) return ocop::message_vi_generic;
    // err->code may be unterminated if the caller never had it filled.
    const std::string_view code(err->code, strnlen(err->code, sizeof err->code));
    const std::string_view vi = ocop::message_vi(code);
    return vi.empty() ? ocop::message_vi_generic : vi.data();
}

ocop_db* ocop_db_open(const char* path, ocop_error* err) {
    if (!check_args(err, {path})) return nullptr;
    return guarded(err, static_cast<ocop_db*>(nullptr),
                   [&] { return new ocop_db{ocop::sdk::Database::open(path)}; });
}

void ocop_db_close(ocop_db* db) { delete db; }

char* ocop_db_write_json(ocop_db* db, const char* transaction_json, ocop_error* err) {
    if (!check_args(err, {db, transaction_json})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr), [&] {
        const json t = json::parse(transaction_json);
        json ids = json::array();
        const uint64_t seq = db->db->write([&](ocop::sdk::Transaction& txn) {
            for (const auto& p : t.value("put", json::array())) {
                const auto collection = p.at("collection").get<std::string>();
                const auto fields = fields_of(p.at("fields"));
                if (p.contains("id")) {
                    const auto id = p.at("id").get<std::string>();
                    txn.put(collection, id, fields);
                    ids.push_back(id);
                } else {
                    ids.push_back(txn.create(collection, fields));
                }
            }
            for (const auto& r : t.value("remove", json::array()))
                txn.remove(r.at("collection").get<std::string>(), r.at("id").get<std::string>());
        });
        return dup(json{{"seq", seq}, {"ids", ids}}.dump());
    });
}

char* ocop_db_get_json(ocop_db* db, const char* collection, const char* id, ocop_error* err) {
    if (!check_args(err, {db, collection, id})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr), [&]() -> char* {
        const auto rec = db->db->get(collection, id);
        if (!rec) {
            fill(err, OCOP_ERR_NOT_FOUND, ocop::errc::record_not_found,
                 std::string(collection) + "/" + id + " does not exist");
            return nullptr;
        }
        return dup(ocop::sdk::json_view::record(*rec).dump());
    });
}

char* ocop_db_list_json(ocop_db* db, const char* collection, const char* filters_json,
                        uint32_t limit, const char* after_id, ocop_error* err) {
    if (!check_args(err, {db, collection})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr), [&] {
        std::vector<ocop::FieldFilter> filters;
        if (filters_json) {
            const json parsed = json::parse(filters_json);  // must outlive the loop below
            for (const auto& [k, v] : fields_of(parsed)) filters.push_back({k, v});
        }
        json out = json::array();
        for (const auto& r : db->db->list(collection, filters, limit, after_id ? after_id : ""))
            out.push_back(ocop::sdk::json_view::record(r));
        return dup(out.dump());
    });
}

bool ocop_db_enroll(ocop_db* db, const char* server_url, const char* user, const char* password,
                    const char* device_name, const char* ca_file, ocop_error* err) {
    if (!check_args(err, {db, server_url, user, password})) return false;
    return guarded(err, false, [&] {
        ocop::sdk::EnrollOptions opts;
        if (device_name) opts.device_name = device_name;
        if (ca_file) opts.ca_file = ca_file;
        db->db->enroll(server_url, user, password, opts);
        return true;
    });
}

char* ocop_db_sync(ocop_db* db, ocop_error* err) {
    if (!check_args(err, {db})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr),
                   [&] { return dup(ocop::sdk::json_view::report(db->db->sync()).dump()); });
}

char* ocop_db_status_json(ocop_db* db, ocop_error* err) {
    if (!check_args(err, {db})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr),
                   [&] { return dup(ocop::sdk::json_view::status(db->db->status()).dump()); });
}

char* ocop_db_refused_json(ocop_db* db, ocop_error* err) {
    if (!check_args(err, {db})) return nullptr;
    return guarded(err, static_cast<char*>(nullptr),
                   [&] { return dup(ocop::sdk::json_view::refused(db->db->refused()).dump()); });
}

bool ocop_db_discard_refused(ocop_db* db, uint64_t seq, ocop_error* err) {
    if (!check_args(err, {db})) return false;
    return guarded(err, false, [&] {
        db->db->discard_refused(seq);
        return true;
    });
}

void ocop_string_free(char* s) { std::free(s); }

}  // extern "C"
