// The C ABI's version, errors, strings and log callback.
#include <cstdlib>

#include "c_api_handle.hpp"
#include "ocop/core/messages_vi.hpp"

namespace {

const char* with_len(const std::string& s, size_t* out_len) {
    if (out_len) *out_len = s.size();
    return s.c_str();
}

const char* with_len(std::string_view s, size_t* out_len) {
    if (out_len) *out_len = s.size();
    return s.data();
}

}  // namespace

extern "C" {

int ocop_sdk_abi_version(void) {
    return OCOP_SDK_ABI_VERSION;
}

const char* ocop_sdk_version(size_t* out_len) {
    static constexpr std::string_view version = OCOP_SDK_VERSION_STRING;
    return with_len(version, out_len);
}

ocop_error_kind ocop_error_get_kind(const ocop_error* err) {
    return err ? err->kind : OCOP_ERR_INTERNAL;
}

const char* ocop_error_get_code(const ocop_error* err, size_t* out_len) {
    return err ? with_len(err->code, out_len) : with_len(std::string_view(""), out_len);
}

const char* ocop_error_get_message(const ocop_error* err, size_t* out_len) {
    return err ? with_len(err->message, out_len) : with_len(std::string_view(""), out_len);
}

const char* ocop_error_get_message_vi(const ocop_error* err, size_t* out_len) {
    const std::string_view vi = err ? ocop::message_vi(err->code) : std::string_view();
    // The catalogue's strings are NUL-terminated literals, so data() is a C string.
    return with_len(vi.empty() ? std::string_view(ocop::message_vi_generic) : vi, out_len);
}

bool ocop_error_is_retryable(const ocop_error* err) {
    return err && err->kind == OCOP_ERR_TRANSIENT;
}

void ocop_error_free(ocop_error* err) {
    delete err;
}

void ocop_string_free(char* s) {
    std::free(s);
}

void ocop_db_set_log_callback(ocop_db* db, ocop_log_fn cb, void* ctx) {
    if (!db) return;
    const std::lock_guard lock(db->log_mutex);
    db->log_fn = cb;
    db->log_ctx = cb ? ctx : nullptr;
}

}  // extern "C"
