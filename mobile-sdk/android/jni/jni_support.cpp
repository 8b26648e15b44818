#include "jni_support.hpp"

namespace ocop::jni {

namespace {

// The binding's own code: a call on an OcopDatabase after close() (docs/sdk-android-ios.md).
constexpr const char* kClosed = errc::sdk_closed;

}  // namespace

std::string utf8(JNIEnv* env, jbyteArray bytes) {
    if (!bytes) return {};
    const jsize n = env->GetArrayLength(bytes);
    std::string out(static_cast<size_t>(n), '\0');
    if (n > 0) env->GetByteArrayRegion(bytes, 0, n, reinterpret_cast<jbyte*>(out.data()));
    if (env->ExceptionCheck()) throw JavaPending{};
    return out;
}

jbyteArray bytes(JNIEnv* env, const std::string& s) {
    jbyteArray out = env->NewByteArray(static_cast<jsize>(s.size()));
    if (!out) throw JavaPending{};
    env->SetByteArrayRegion(out, 0, static_cast<jsize>(s.size()),
                            reinterpret_cast<const jbyte*>(s.data()));
    return out;
}

jbyteArray bytes(JNIEnv* env, const nlohmann::json& j) {
    // Invalid UTF-8 in a stored value is replaced rather than failing the whole answer.
    return bytes(env, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

sdk::Database& database(jlong handle) {
    if (handle == 0) throw Error(ErrorKind::invalid_input, kClosed, "the database is closed");
    return *reinterpret_cast<sdk::Database*>(handle);
}

void throw_ocop(JNIEnv* env, ErrorKind kind, const std::string& code, const std::string& message) {
    jclass cls = env->FindClass("vn/ocop/sdk/OcopException");
    if (!cls) return;  // NoClassDefFoundError is pending
    jmethodID ctor = env->GetMethodID(cls, "<init>", "([B[B[B)V");
    if (!ctor) return;
    try {
        jbyteArray k = bytes(env, std::string(to_string(kind)));
        jbyteArray c = bytes(env, code);
        jbyteArray m = bytes(env, message);
        auto ex = static_cast<jthrowable>(env->NewObject(cls, ctor, k, c, m));
        if (ex) env->Throw(ex);
    } catch (const JavaPending&) {
        // OutOfMemoryError is pending instead.
    }
}

}  // namespace ocop::jni
