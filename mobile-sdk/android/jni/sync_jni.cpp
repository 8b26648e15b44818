// JNI entry points for sync: one run on the calling thread with progress delivered to a Java
// listener, and cancel tokens that any thread may set while the run goes on.
#include <atomic>

#include "jni_support.hpp"
#include "ocop/sdk/json_views.hpp"

using nlohmann::json;
using ocop::jni::bytes;
using ocop::jni::database;
using ocop::jni::guarded;
using ocop::jni::utf8;

namespace {

// The listener of one run, held by a global reference for exactly the run's duration. The sync
// client calls progress on the thread that runs it (the Java caller's); should a callback ever
// come from a thread the JVM does not know, it is attached for the call and detached after.
class ProgressBridge {
  public:
    ProgressBridge(JNIEnv* env, jobject listener, std::atomic<bool>& cancel) : cancel_(cancel) {
        env->GetJavaVM(&vm_);
        jclass cls = env->FindClass("vn/ocop/sdk/OcopDatabase");
        if (!cls) throw ocop::jni::JavaPending{};
        deliver_ =
            env->GetStaticMethodID(cls, "deliverProgress", "(Lvn/ocop/sdk/SyncListener;[J)V");
        if (!deliver_) throw ocop::jni::JavaPending{};
        class_ = static_cast<jclass>(env->NewGlobalRef(cls));
        if (listener) listener_ = env->NewGlobalRef(listener);
    }
    ProgressBridge(const ProgressBridge&) = delete;
    ProgressBridge& operator=(const ProgressBridge&) = delete;

    ~ProgressBridge() {
        JNIEnv* env = attached_env();
        if (!env) return;
        if (listener_) env->DeleteGlobalRef(listener_);
        if (class_) env->DeleteGlobalRef(class_);
        if (failure_) env->DeleteGlobalRef(failure_);
    }

    void operator()(const ocop::sync::SyncProgress& p) {
        if (!listener_ || failure_) return;
        bool attached_here = false;
        JNIEnv* env = attached_env();
        if (!env) {
            // Android's jni.h takes JNIEnv**, the JDK's void**.
#ifdef __ANDROID__
            if (vm_->AttachCurrentThreadAsDaemon(&env, nullptr) != JNI_OK) return;
#else
            if (vm_->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), nullptr) != JNI_OK)
                return;
#endif
            attached_here = true;
        }
        const jlong values[] = {
            static_cast<jlong>(p.requests),       static_cast<jlong>(p.pushed),
            static_cast<jlong>(p.refused),        static_cast<jlong>(p.pending),
            static_cast<jlong>(p.pulled_cells),   static_cast<jlong>(p.evicted),
            static_cast<jlong>(p.cursor),         static_cast<jlong>(p.server_head),
            static_cast<jlong>(p.bytes_sent),     static_cast<jlong>(p.bytes_received),
            static_cast<jlong>(p.failed_attempts)};
        constexpr jsize n = sizeof values / sizeof values[0];
        if (jlongArray arr = env->NewLongArray(n)) {
            env->SetLongArrayRegion(arr, 0, n, values);
            env->CallStaticVoidMethod(class_, deliver_, listener_, arr);
            env->DeleteLocalRef(arr);
        }
        // A listener that throws stops the run; its exception reaches the caller of sync().
        if (env->ExceptionCheck()) {
            jthrowable t = env->ExceptionOccurred();
            env->ExceptionClear();
            failure_ = static_cast<jthrowable>(env->NewGlobalRef(t));
            env->DeleteLocalRef(t);
            cancel_.store(true);
        }
        if (attached_here) vm_->DetachCurrentThread();
    }

    // Rethrows the listener's exception, if any, on the caller's thread.
    bool rethrow(JNIEnv* env) {
        if (!failure_) return false;
        env->Throw(failure_);
        return true;
    }

  private:
    JNIEnv* attached_env() const {
        JNIEnv* env = nullptr;
        return vm_->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) == JNI_OK ? env
                                                                                      : nullptr;
    }

    JavaVM* vm_ = nullptr;
    jobject listener_ = nullptr;
    jclass class_ = nullptr;
    jmethodID deliver_ = nullptr;
    jthrowable failure_ = nullptr;
    std::atomic<bool>& cancel_;
};

ocop::sync::SyncOptions options_of(const std::string& text) {
    ocop::sync::SyncOptions o;
    if (text.empty()) return o;
    const json j = json::parse(text);
    o.pull = j.value("pull", o.pull);
    o.page_cells = j.value("page_cells", o.page_cells);
    o.max_changesets_per_request =
        j.value("max_changesets_per_request", o.max_changesets_per_request);
    if (j.contains("app_version")) o.app_version = j.at("app_version").get<std::string>();
    if (o.max_changesets_per_request == 0)
        throw ocop::Error(ocop::ErrorKind::invalid_input, ocop::errc::changeset_malformed,
                          "max_changesets_per_request must be 1 or more");
    return o;
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_vn_ocop_sdk_SyncHandle_nativeNewCancel(JNIEnv* env, jclass) {
    return guarded(env, jlong{0},
                   [] { return reinterpret_cast<jlong>(new std::atomic<bool>(false)); });
}

JNIEXPORT void JNICALL Java_vn_ocop_sdk_SyncHandle_nativeCancel(JNIEnv*, jclass, jlong token) {
    if (token) reinterpret_cast<std::atomic<bool>*>(token)->store(true);
}

JNIEXPORT void JNICALL Java_vn_ocop_sdk_SyncHandle_nativeFreeCancel(JNIEnv*, jclass, jlong token) {
    delete reinterpret_cast<std::atomic<bool>*>(token);
}

// One run on this thread. `token`: a cancel token from SyncHandle, or 0. Returns the report
// (json_view::report); a failed run is a report, not an exception.
JNIEXPORT jbyteArray JNICALL Java_vn_ocop_sdk_OcopDatabase_nativeSync(JNIEnv* env, jclass,
                                                                      jlong handle,
                                                                      jobject listener, jlong token,
                                                                      jbyteArray options_json) {
    return guarded(env, jbyteArray{}, [&]() -> jbyteArray {
        auto& db = database(handle);
        std::atomic<bool> own{false};
        std::atomic<bool>& cancel = token ? *reinterpret_cast<std::atomic<bool>*>(token) : own;
        const auto options = options_of(utf8(env, options_json));
        ProgressBridge bridge(env, listener, cancel);
        const auto report =
            db.sync([&](const ocop::sync::SyncProgress& p) { bridge(p); }, &cancel, options);
        if (bridge.rethrow(env)) return nullptr;
        return bytes(env, ocop::sdk::json_view::report(report));
    });
}

}  // extern "C"
