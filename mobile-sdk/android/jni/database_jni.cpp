// JNI entry points of vn.ocop.sdk.OcopDatabase other than sync: open and close, the write
// transaction, reads and queries, enrolment, status, refused changesets and conflicts. Values
// cross as UTF-8 JSON in byte[] (shapes in docs/sdk-android-ios.md).
#include <memory>

#include "jni_support.hpp"
#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/messages_vi.hpp"
#include "ocop/sdk/json_views.hpp"

using nlohmann::json;
using ocop::Error;
using ocop::ErrorKind;
using ocop::jni::bytes;
using ocop::jni::database;
using ocop::jni::guarded;
using ocop::jni::utf8;

namespace {

ocop::FieldValues fields_of(const json& j) {
    if (j.is_null()) return {};
    if (!j.is_object())
        throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                    "'fields' must be a JSON object");
    ocop::FieldValues out;
    for (const auto& [k, v] : j.items()) out.emplace(k, v);
    return out;
}

json records(const std::vector<ocop::Record>& list) {
    json out = json::array();
    for (const auto& r : list) out.push_back(ocop::sdk::json_view::record(r));
    return out;
}

// One operation of a Java Transaction: {"op":"create"|"put"|"remove"|"restore",
// "collection":..,"id":..,"fields":{..}}. Returns the record's id.
std::string apply_op(ocop::sdk::Transaction& txn, const json& op) {
    const auto kind = op.at("op").get<std::string>();
    const auto collection = op.at("collection").get<std::string>();
    if (kind == "create") return txn.create(collection, fields_of(op.value("fields", json())));
    const auto id = op.at("id").get<std::string>();
    if (kind == "put")
        txn.put(collection, id, fields_of(op.value("fields", json())));
    else if (kind == "remove")
        txn.remove(collection, id);
    else if (kind == "restore")
        txn.restore(collection, id, fields_of(op.value("fields", json())));
    else
        throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                    "unknown transaction operation '" + kind + "'");
    return id;
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeOpen(JNIEnv* env, jclass,
                                                                 jbyteArray path) {
    return guarded(env, jlong{0}, [&] {
        return reinterpret_cast<jlong>(ocop::sdk::Database::open(utf8(env, path)).release());
    });
}

JNIEXPORT void JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeClose(JNIEnv* env, jclass,
                                                                 jlong handle) {
    guarded(env, 0, [&] {
        delete reinterpret_cast<ocop::sdk::Database*>(handle);
        return 0;
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeWrite(JNIEnv* env, jclass,
                                                                       jlong handle,
                                                                       jbyteArray ops_json) {
    return guarded(env, jbyteArray{}, [&] {
        auto& db = database(handle);
        const json ops = json::parse(utf8(env, ops_json));
        if (!ops.is_array() || ops.empty())
            throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                        "a transaction needs at least one operation");
        json ids = json::array();
        const uint64_t seq = db.write([&](ocop::sdk::Transaction& txn) {
            for (const auto& op : ops) ids.push_back(apply_op(txn, op));
        });
        return bytes(env, json{{"seq", seq}, {"ids", ids}});
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeGet(JNIEnv* env, jclass,
                                                                     jlong handle,
                                                                     jbyteArray collection,
                                                                     jbyteArray id) {
    return guarded(env, jbyteArray{}, [&]() -> jbyteArray {
        const auto rec = database(handle).get(utf8(env, collection), utf8(env, id));
        return rec ? bytes(env, ocop::sdk::json_view::record(*rec)) : nullptr;
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeList(
    JNIEnv* env, jclass, jlong handle, jbyteArray collection, jbyteArray filters_json, jlong limit,
    jbyteArray after_id) {
    return guarded(env, jbyteArray{}, [&] {
        if (limit < 0)
            throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                        "limit must be 0 (all) or more");
        std::vector<ocop::FieldFilter> filters;
        const std::string text = utf8(env, filters_json);
        if (!text.empty())
            for (const auto& [k, v] : fields_of(json::parse(text))) filters.push_back({k, v});
        const ocop::sdk::Page page = database(handle).list_page(
            utf8(env, collection), filters, static_cast<size_t>(limit), utf8(env, after_id));
        return bytes(env, json{{"records", records(page.records)},
                               {"more", page.more},
                               {"next_after_id", page.next_after_id}});
    });
}

JNIEXPORT jbyteArray JNICALL
Java_vn_ocop_sdk_OcopDatabase_nativeSearch(JNIEnv* env, jclass, jlong handle, jbyteArray collection,
                                           jbyteArray query, jlong limit, jbyteArray field) {
    return guarded(env, jbyteArray{}, [&] {
        if (limit <= 0)
            throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                        "limit must be 1 or more");
        return bytes(
            env, records(database(handle).search(utf8(env, collection), utf8(env, query),
                                                 static_cast<size_t>(limit), utf8(env, field))));
    });
}

JNIEXPORT void JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeEnroll(JNIEnv* env, jclass, jlong handle,
                                                                  jbyteArray url, jbyteArray user,
                                                                  jbyteArray password,
                                                                  jbyteArray device_name,
                                                                  jbyteArray ca_file) {
    guarded(env, 0, [&] {
        ocop::sdk::EnrollOptions opts;
        const std::string name = utf8(env, device_name);
        if (!name.empty()) opts.device_name = name;
        opts.ca_file = utf8(env, ca_file);
        database(handle).enroll(utf8(env, url), utf8(env, user), utf8(env, password), opts);
        return 0;
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeStatus(JNIEnv* env, jclass,
                                                                        jlong handle) {
    return guarded(env, jbyteArray{}, [&] {
        return bytes(env, ocop::sdk::json_view::status(database(handle).status()));
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeRefused(JNIEnv* env, jclass,
                                                                         jlong handle) {
    return guarded(env, jbyteArray{}, [&] {
        return bytes(env, ocop::sdk::json_view::refused(database(handle).refused()));
    });
}

JNIEXPORT void JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeDiscardRefused(JNIEnv* env, jclass,
                                                                          jlong handle, jlong seq) {
    guarded(env, 0, [&] {
        database(handle).discard_refused(static_cast<uint64_t>(seq));
        return 0;
    });
}

// fixes_json: {"<record id>": {"field": value, ...}, ...} applied over the refused values.
JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeResubmitRefused(JNIEnv* env, jclass,
                                                                            jlong handle, jlong seq,
                                                                            jbyteArray fixes_json) {
    return guarded(env, jlong{0}, [&] {
        std::map<std::string, ocop::FieldValues> fixes;
        const std::string text = utf8(env, fixes_json);
        if (!text.empty()) {
            const json parsed = json::parse(text);
            if (!parsed.is_object())
                throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                            "fixes must be a JSON object of record id -> fields");
            for (const auto& [id, fields] : parsed.items()) fixes[id] = fields_of(fields);
        }
        return static_cast<jlong>(
            database(handle).resubmit_refused(static_cast<uint64_t>(seq), fixes));
    });
}

JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeConflicts(JNIEnv* env, jclass,
                                                                           jlong handle) {
    return guarded(env, jbyteArray{},
                   [&] { return bytes(env, records(database(handle).conflicts())); });
}

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeResolveByIndex(JNIEnv* env, jclass,
                                                                           jlong handle,
                                                                           jbyteArray id,
                                                                           jlong index) {
    return guarded(env, jlong{0}, [&] {
        if (index < 1)
            throw Error(ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                        "the index of a conflict's value starts at 1");
        return static_cast<jlong>(
            database(handle).resolve_conflict_by_index(utf8(env, id), static_cast<size_t>(index)));
    });
}

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeResolveByWriter(JNIEnv* env, jclass,
                                                                            jlong handle,
                                                                            jbyteArray id,
                                                                            jbyteArray user) {
    return guarded(env, jlong{0}, [&] {
        return static_cast<jlong>(
            database(handle).resolve_conflict_by_writer(utf8(env, id), utf8(env, user)));
    });
}

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeResolveWithValue(
    JNIEnv* env, jclass, jlong handle, jbyteArray id, jbyteArray value_json) {
    return guarded(env, jlong{0}, [&] {
        return static_cast<jlong>(
            database(handle).resolve_conflict(utf8(env, id), json::parse(utf8(env, value_json))));
    });
}

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeReopenConflict(JNIEnv* env, jclass,
                                                                           jlong handle,
                                                                           jbyteArray id) {
    return guarded(env, jlong{0}, [&] {
        return static_cast<jlong>(database(handle).reopen_conflict(utf8(env, id)));
    });
}

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeSignInspection(JNIEnv* env, jclass,
                                                                           jlong handle,
                                                                           jbyteArray id) {
    return guarded(env, jlong{0}, [&] {
        return static_cast<jlong>(database(handle).sign_inspection(utf8(env, id)));
    });
}

}  // extern "C"
