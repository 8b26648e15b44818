// What every JNI entry point of the binding shares: UTF-8 strings as Java byte[] (JNI's own
// string functions speak modified UTF-8, which is not what the SDK stores), the native handle
// with its closed check, and `guarded`, which turns every C++ exception into a thrown
// vn.ocop.sdk.OcopException so none ever unwinds into the JVM.
#pragma once

#include <jni.h>

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"

namespace ocop::jni {

// A Java exception is already pending (thrown by a JNI call or by a listener): leave it be.
struct JavaPending {};

// byte[] holding UTF-8 -> std::string; null -> empty.
std::string utf8(JNIEnv* env, jbyteArray bytes);
// std::string (UTF-8) -> byte[]; throws JavaPending when the JVM is out of memory.
jbyteArray bytes(JNIEnv* env, const std::string& s);
jbyteArray bytes(JNIEnv* env, const nlohmann::json& j);

// The Database behind a handle; throws Error(sdk.closed) for 0 (a closed OcopDatabase).
sdk::Database& database(jlong handle);

// Throws a vn.ocop.sdk.OcopException with the error's kind, code and message.
void throw_ocop(JNIEnv* env, ErrorKind kind, const std::string& code, const std::string& message);

// Runs `fn`; any C++ exception becomes a pending OcopException and `fallback` is returned.
template <typename R, typename F>
R guarded(JNIEnv* env, R fallback, F&& fn) {
    try {
        return std::forward<F>(fn)();
    } catch (const JavaPending&) {
    } catch (const Error& e) {
        throw_ocop(env, e.kind(), e.code(), e.what());
    } catch (const nlohmann::json::exception& e) {
        throw_ocop(env, ErrorKind::invalid_input, errc::http_bad_json, e.what());
    } catch (const std::bad_alloc&) {
        throw_ocop(env, ErrorKind::internal, errc::internal_error, "out of memory");
    } catch (const std::exception& e) {
        throw_ocop(env, ErrorKind::internal, errc::internal_error, e.what());
    } catch (...) {
        throw_ocop(env, ErrorKind::internal, errc::internal_error, "unknown native exception");
    }
    return fallback;
}

}  // namespace ocop::jni
