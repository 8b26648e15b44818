// What the C ABI's handles hold, and the one place where C++ exceptions become ocop_error: every
// c_api_*.cpp runs its body through `guarded`, so no exception crosses into JNI or Swift.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/ocop_sdk.h"

struct ocop_error {
    ocop_error_kind kind = OCOP_ERR_INTERNAL;
    std::string code;
    std::string message;
};

struct ocop_db {
    std::unique_ptr<ocop::sdk::Database> db;
    // Serialises the calls on this handle (ocop_sdk.h, "Threads"); a sync job does not hold it.
    std::mutex calls;
    std::atomic<bool> sync_running{false};  // one sync per handle at a time
    std::atomic<int> open_jobs{0};          // jobs not yet freed: close waits for none

    // The app's own HTTP (ocop_db_set_transport); empty post: the SDK's default transport.
    ocop_transport transport{nullptr, nullptr};

    std::mutex log_mutex;
    ocop_log_fn log_fn = nullptr;
    void* log_ctx = nullptr;

    void log(ocop_log_level level, const std::string& message) {
        const std::lock_guard lock(log_mutex);
        if (log_fn) log_fn(log_ctx, level, message.c_str(), message.size());
    }
};

namespace ocop::sdk::c_api {

inline void fail(ocop_error** err, ocop_error_kind kind, std::string code, std::string message) {
    if (!err) return;
    *err = new (std::nothrow) ocop_error{kind, std::move(code), std::move(message)};
}

inline ocop_error_kind kind_of(ErrorKind k) {
    return static_cast<ocop_error_kind>(static_cast<int>(k) + 1);
}

// A string handed to the caller: malloc'ed (ocop_string_free), NUL-terminated, length reported.
inline char* hand_out(const std::string& s, size_t* out_len) {
    char* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, s.c_str(), s.size() + 1);
    if (out_len) *out_len = s.size();
    return out;
}

// Runs `fn`, turning every exception into `*err`; returns `fallback` on failure.
template <typename R, typename F>
R guarded(ocop_error** err, R fallback, F&& fn) noexcept {
    try {
        return fn();
    } catch (const Error& e) {
        fail(err, kind_of(e.kind()), e.code(), e.what());
    } catch (const nlohmann::json::exception& e) {
        fail(err, OCOP_ERR_INVALID_INPUT, errc::http_bad_json,
             std::string("the JSON argument is not valid: ") + e.what());
    } catch (const std::bad_alloc&) {
        fail(err, OCOP_ERR_INTERNAL, errc::internal_error, "out of memory");
    } catch (const std::exception& e) {
        fail(err, OCOP_ERR_INTERNAL, errc::internal_error, e.what());
    } catch (...) {
        fail(err, OCOP_ERR_INTERNAL, errc::internal_error, "unknown exception");
    }
    return fallback;
}

// The same, holding the handle's call lock; a NULL handle or argument is an error.
template <typename R, typename F>
R on_handle(ocop_db* db, ocop_error** err, R fallback, std::initializer_list<const void*> args,
            F&& fn) noexcept {
    if (!db) {
        fail(err, OCOP_ERR_INVALID_INPUT, errc::sdk_bad_argument, "the ocop_db handle is NULL");
        return fallback;
    }
    for (const void* a : args)
        if (!a) {
            fail(err, OCOP_ERR_INVALID_INPUT, errc::sdk_bad_argument,
                 "a required argument is NULL");
            return fallback;
        }
    return guarded(err, fallback, [&] {
        const std::lock_guard lock(db->calls);
        return fn();
    });
}

inline FieldValues fields_of(const nlohmann::json& j, std::string_view what) {
    if (!j.is_object())
        throw Error(ErrorKind::invalid_input, errc::changeset_malformed,
                    std::string(what) + " must be a JSON object of field values");
    FieldValues out;
    for (const auto& [k, v] : j.items()) out.emplace(k, v);
    return out;
}

}  // namespace ocop::sdk::c_api
