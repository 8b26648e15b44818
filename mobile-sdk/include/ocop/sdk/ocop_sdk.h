/* The stable C ABI of the OCOP field SDK, for JNI (Android), Swift and other FFI callers.
 * docs/sdk.md describes every JSON shape this ABI returns, with a worked example.
 *
 * Conventions (after LiteCore's C4 API):
 * - One prefix, ocop_. Opaque handles: ocop_db (a device store), ocop_sync_job (a sync running on
 *   a thread of the SDK), ocop_error (what went wrong).
 * - Every fallible call takes a trailing `ocop_error** err`, which may be NULL. On failure the
 *   call returns NULL / false / 0 and, if err is not NULL, sets *err to a new error that the
 *   caller frees with ocop_error_free. On success *err is left untouched.
 * - Strings passed in are NUL-terminated UTF-8 (Vietnamese text is NFC-normalised on the way in).
 *   Strings handed out come with their length in bytes (`size_t* out_len`, which may be NULL) and
 *   are NUL-terminated as well; an owned `char*` is freed with ocop_string_free. JNI callers
 *   should build Java strings from the bytes and length (new String(bytes, UTF_8)), not with
 *   NewStringUTF, which expects modified UTF-8.
 * - Records, reports, conflicts and the schema cross the boundary as JSON, so the ABI does not
 *   change when the schema does.
 *
 * Threads: every function may be called from any thread. Calls on one ocop_db are serialised by
 * the handle (a call waits while another thread's call on the same handle runs); a sync started
 * with ocop_sync_start does not hold the handle between its exchanges with the server, so reads
 * and writes go on while it runs. ocop_db_close must not overlap any other call on the handle,
 * and every ocop_sync_job of the handle must be freed before it (ocop_db_close refuses otherwise:
 * see its comment). Callbacks run on the thread named at each function.
 *
 * Compatibility: OCOP_SDK_ABI_VERSION grows when a function is added (old callers keep working)
 * and, before 1.0, also when a signature changes; ocop_sdk_abi_version() tells what the library
 * implements, so an app checks `ocop_sdk_abi_version() >= OCOP_SDK_ABI_VERSION` at start. JSON
 * shapes only gain members within one "shape" version (docs/sdk.md); a member is never renamed or
 * retyped without a new shape version. */
#ifndef OCOP_SDK_H
#define OCOP_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1: the first slice. 2: opaque errors with accessors, lengths on every returned string,
 * conflicts, refusals fixed and resubmitted, search, schema, signing, unit merges, progress,
 * asynchronous sync with cancellation, log callback, a transport the app supplies.
 * 3: blobs (attachments): store, fetch, sync, budget, prefetch, the app's preparer. */
#define OCOP_SDK_ABI_VERSION 3

#if defined(__GNUC__) || defined(__clang__)
#define OCOP_API __attribute__((visibility("default")))
#else
#define OCOP_API
#endif

typedef struct ocop_db ocop_db;
typedef struct ocop_error ocop_error;
typedef struct ocop_sync_job ocop_sync_job;

typedef enum {
    OCOP_ERR_INVALID_INPUT = 1,
    OCOP_ERR_NOT_FOUND = 2,
    OCOP_ERR_CONFLICT = 3,
    OCOP_ERR_UNAUTHORIZED = 4,
    OCOP_ERR_FORBIDDEN = 5,
    OCOP_ERR_TOO_LARGE = 6,
    OCOP_ERR_TRANSIENT = 7, /* network or busy: retrying later may succeed */
    OCOP_ERR_INTERNAL = 8
} ocop_error_kind;

/* ---- version ---------------------------------------------------------------------------- */

/* Any thread. The ABI this library implements (OCOP_SDK_ABI_VERSION of its header). */
OCOP_API int ocop_sdk_abi_version(void);
/* Any thread. The SDK's release, e.g. "0.2.0"; static, not to be freed. */
OCOP_API const char* ocop_sdk_version(size_t* out_len);

/* ---- errors ----------------------------------------------------------------------------- */

/* Any thread; an error belongs to the caller that received it. All accessors accept NULL. */
OCOP_API ocop_error_kind ocop_error_get_kind(const ocop_error* err);
/* The stable code, e.g. "perm.unit_not_covered" (docs/errors.md); valid until ocop_error_free. */
OCOP_API const char* ocop_error_get_code(const ocop_error* err, size_t* out_len);
/* The human message (English, naming units by their Vietnamese names). */
OCOP_API const char* ocop_error_get_message(const ocop_error* err, size_t* out_len);
/* The Vietnamese sentence for the code, to show the officer; a generic sentence for an unknown
 * code or a NULL err. Static, never NULL. */
OCOP_API const char* ocop_error_get_message_vi(const ocop_error* err, size_t* out_len);
/* true when retrying the same call later may succeed (network, server busy). */
OCOP_API bool ocop_error_is_retryable(const ocop_error* err);
OCOP_API void ocop_error_free(ocop_error* err);

/* Any thread. Frees a string an ocop_ function handed out (NULL is fine). */
OCOP_API void ocop_string_free(char* s);

/* ---- logging ---------------------------------------------------------------------------- */

typedef enum {
    OCOP_LOG_DEBUG = 0,
    OCOP_LOG_INFO = 1,
    OCOP_LOG_WARNING = 2,
    OCOP_LOG_ERROR = 3
} ocop_log_level;

/* What the SDK logs on this handle (sync runs: start, each attempt's failure, the outcome) goes
 * to `cb`, on the thread that does the work (the caller's for ocop_db_sync, the job's thread for
 * ocop_sync_start). `message` is valid during the call only. NULL removes the callback. */
typedef void (*ocop_log_fn)(void* ctx, ocop_log_level level, const char* message, size_t len);
OCOP_API void ocop_db_set_log_callback(ocop_db* db, ocop_log_fn cb, void* ctx);

/* ---- the device store ------------------------------------------------------------------- */

/* Opens or creates the device store at `path`. NULL on failure. */
OCOP_API ocop_db* ocop_db_open(const char* path, ocop_error** err);
/* Closes the store. Returns false (and leaves the handle open) while a sync job of this handle
 * has not been freed. NULL is fine. */
OCOP_API bool ocop_db_close(ocop_db* db, ocop_error** err);

/* This device's replica id (valid while the handle is open). */
OCOP_API const char* ocop_db_replica_id(ocop_db* db, size_t* out_len);

/* Writes one transaction given as JSON:
 *   {"put":[{"collection":"inspection","id":"<uuid, or absent to create>","fields":{...}}],
 *    "remove":[{"collection":"finding","id":"<uuid>"}]}
 * Returns {"seq":N,"ids":["<id of each put, in order>"]}; nothing is stored on failure. */
OCOP_API char* ocop_db_write_json(ocop_db* db, const char* transaction_json, size_t* out_len,
                                  ocop_error** err);

/* The record as {"collection","id","deleted","fields":{..}}; NULL with code "record.not_found"
 * when absent. */
OCOP_API char* ocop_db_get_json(ocop_db* db, const char* collection, const char* id,
                                size_t* out_len, ocop_error** err);

/* A page of live records matching `filters_json` ({"field":value,...} or NULL), in id order,
 * after `after_id` (NULL: from the start), at most `limit` (0: all):
 *   {"records":[record...],"more":bool,"next_after_id":"<id>"} */
OCOP_API char* ocop_db_list_json(ocop_db* db, const char* collection, const char* filters_json,
                                 uint32_t limit, const char* after_id, size_t* out_len,
                                 ocop_error** err);

/* Records whose text holds every word of `query`, ignoring case and diacritics ("cho long xuyen"
 * finds "Chợ Long Xuyên"); `field` NULL searches every text field. A JSON array of records. */
OCOP_API char* ocop_db_search_json(ocop_db* db, const char* collection, const char* query,
                                   const char* field, uint32_t limit, size_t* out_len,
                                   ocop_error** err);

/* The schema the device validates against, with the Vietnamese labels a form needs
 * (collections, fields, types, enum options with label_vi): docs/sdk.md, "schema". */
OCOP_API char* ocop_db_schema_json(ocop_db* db, size_t* out_len, ocop_error** err);

/* Signs an inspection's minutes (status=signed, signed_by = the enrolled user, signed_at = now).
 * Returns the changeset's sequence, 0 on failure. */
OCOP_API uint64_t ocop_db_sign_inspection(ocop_db* db, const char* inspection_id, ocop_error** err);

/* An administrator merges units:
 *   {"old_units":["<id>",...],"new_unit_id":"<uuid or empty>","code":"..","name":"..",
 *    "effective":"2025-07-01","parent":"<id, optional>","decision_ref":".."}
 * Returns {"unit_id":"<the new unit's id>"}. */
OCOP_API char* ocop_db_merge_units_json(ocop_db* db, const char* merge_json, size_t* out_len,
                                        ocop_error** err);

/* ---- enrolment and sync ----------------------------------------------------------------- */

/* Logs in once; the password is not stored. device_name and ca_file may be NULL. Blocks on the
 * network: call it off the UI thread. */
OCOP_API bool ocop_db_enroll(ocop_db* db, const char* server_url, const char* user,
                             const char* password, const char* device_name, const char* ca_file,
                             ocop_error** err);

/* Progress of a sync run, as JSON ({"pushed","refused","pending","pulled_cells","requests",
 * ...}: docs/sdk.md). `progress_json` is valid during the call only. */
typedef void (*ocop_progress_fn)(void* ctx, const char* progress_json, size_t len);

/* One sync run on the calling thread; `on_progress` (may be NULL) runs on it too. Returns the
 * report as JSON, also when the run failed (see "complete" and "error"); NULL only if the SDK
 * itself failed. */
OCOP_API char* ocop_db_sync(ocop_db* db, ocop_progress_fn on_progress, void* ctx, size_t* out_len,
                            ocop_error** err);

/* Called once when the job ends, on the job's thread, with the report as JSON (valid during the
 * call only). */
typedef void (*ocop_done_fn)(void* ctx, const char* report_json, size_t len);

/* Starts a sync run on a thread the SDK owns and returns at once. `on_progress` and `on_done`
 * (each may be NULL) run on that thread and must not call ocop_sync_job_free for their own job.
 * Only one job per handle runs at a time: starting another while one runs fails with
 * "sdk.sync_running". Free the job with ocop_sync_job_free. */
OCOP_API ocop_sync_job* ocop_sync_start(ocop_db* db, ocop_progress_fn on_progress,
                                        ocop_done_fn on_done, void* ctx, ocop_error** err);
/* Any thread: asks the run to stop at its next step; what was acknowledged stays, the rest is
 * sent next time (the report then says "cancelled"). */
OCOP_API void ocop_sync_job_cancel(ocop_sync_job* job);
/* Any thread but the job's own callbacks: waits for the end and returns the report JSON (the
 * same as on_done's), owned by the caller. */
OCOP_API char* ocop_sync_job_wait(ocop_sync_job* job, size_t* out_len, ocop_error** err);
/* Waits for the end if the job still runs, then frees it. NULL is fine. */
OCOP_API void ocop_sync_job_free(ocop_sync_job* job);

/* Pending, refused, last complete sync, last error, fully_synced, grants. */
OCOP_API char* ocop_db_status_json(ocop_db* db, size_t* out_len, ocop_error** err);

/* ---- a transport the app supplies ------------------------------------------------------ */

/* The SDK's default transport is HTTP(S) over Poco with OpenSSL. An app that wants the
 * platform's own HTTP (OkHttp, URLSession: its trust store, proxies, background transfers)
 * supplies `post`, and enrolment and every sync of the handle go through it. An SDK built with
 * OCOP_SDK_HTTP_TRANSPORT=OFF has no default and needs one ("sync.no_transport" otherwise).
 *
 * `post` sends `body` (JSON, not compressed) to `url` with "Content-Type: application/json" and,
 * when `bearer_token` is not empty, "Authorization: Bearer <token>". It answers through
 * `response`: ocop_http_response_set with the status and the (decompressed) body for any HTTP
 * answer, error statuses included, or ocop_http_response_fail when no answer arrived. It runs on
 * the thread of the enrol or sync call or on a second thread of the SDK that fetches the next
 * pull page ahead, never twice at once for one handle; it must not call other ocop_ functions
 * of the handle. Pointers it receives are valid during the call only. */
typedef struct ocop_http_response ocop_http_response;
typedef void (*ocop_post_fn)(void* ctx, const char* url, size_t url_len, const char* bearer_token,
                             size_t token_len, const char* body, size_t body_len,
                             ocop_http_response* response);
typedef struct {
    ocop_post_fn post;
    void* ctx;
} ocop_transport;

/* `body` is copied. */
OCOP_API void ocop_http_response_set(ocop_http_response* response, int status, const char* body,
                                     size_t body_len);
/* No HTTP answer: `timed_out` true when the request ran out of time, false when nothing
 * answered (no network, refused); the sync retries with backoff and reports it as transient. */
OCOP_API void ocop_http_response_fail(ocop_http_response* response, bool timed_out,
                                      const char* message);

/* Any thread, not while a sync of the handle runs ("sdk.sync_running"). The struct is copied;
 * its ctx must outlive the handle or the next call. NULL returns to the default transport. */
OCOP_API bool ocop_db_set_transport(ocop_db* db, const ocop_transport* transport, ocop_error** err);

/* ---- refusals --------------------------------------------------------------------------- */

/* Changesets the server refused, with code, message and the changeset itself (changeset format,
 * docs/changeset-format.md), for a person to fix or discard:
 *   [{"seq","code","message","message_vi","changeset":{...}}] */
OCOP_API char* ocop_db_refused_json(ocop_db* db, size_t* out_len, ocop_error** err);
OCOP_API bool ocop_db_discard_refused(ocop_db* db, uint64_t seq, ocop_error** err);
/* A person fixed a refused changeset: its values with `fixes_json` ({"<record id>":{fields}} or
 * NULL) applied over them are written again as a new changeset, which is returned (0 on
 * failure); the refused one leaves the quarantine. */
OCOP_API uint64_t ocop_db_resubmit_refused(ocop_db* db, uint64_t seq, const char* fixes_json,
                                           ocop_error** err);

/* ---- conflicts -------------------------------------------------------------------------- */

/* Open conflicts on records this device holds, as conflict records (docs/sdk.md). */
OCOP_API char* ocop_db_conflicts_json(ocop_db* db, size_t* out_len, ocop_error** err);
/* A person chose one of the competing values, by its 1-based position in "values" or by the
 * user who wrote it, or entered a new value (JSON, e.g. "\"Đạt\"" or "4"). Each returns the
 * changeset's sequence, 0 on failure ("conflict.not_open", "conflict.no_such_value", ...). */
OCOP_API uint64_t ocop_db_resolve_conflict_by_index(ocop_db* db, const char* conflict_id,
                                                    uint32_t index, ocop_error** err);
OCOP_API uint64_t ocop_db_resolve_conflict_by_writer(ocop_db* db, const char* conflict_id,
                                                     const char* user, ocop_error** err);
OCOP_API uint64_t ocop_db_resolve_conflict_with_json(ocop_db* db, const char* conflict_id,
                                                     const char* value_json, ocop_error** err);
/* Reopens a resolved conflict (a person with the right chose wrongly). */
OCOP_API uint64_t ocop_db_reopen_conflict(ocop_db* db, const char* conflict_id, ocop_error** err);

/* ---- blobs (attachments: docs/attachments.md) ------------------------------------------- */

/* Stores a photo, signature or scan and returns its reference ("sha256:<hex>") for a blob field;
 * the app's preparer (below) runs first. "blob.unsupported_type", "blob.too_large", "blob.io". */
OCOP_API char* ocop_blob_put_bytes(ocop_db* db, const void* bytes, size_t len,
                                   const char* content_type, size_t* out_len, ocop_error** err);
OCOP_API char* ocop_blob_put_file(ocop_db* db, const char* path, const char* content_type,
                                  size_t* out_len, ocop_error** err);
/* The file holding a blob on the device; NULL with "blob.not_found" when it is not here. */
OCOP_API char* ocop_blob_path(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err);
/* {"ref","size","content_type","uploaded","local"}; NULL with "blob.not_found" when unknown. */
OCOP_API char* ocop_blob_info_json(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err);
/* Blocks on the network (call it off the UI thread): fetches a blob on demand, resuming a
 * partial download, and returns its file. */
OCOP_API char* ocop_blob_fetch(ocop_db* db, const char* ref, size_t* out_len, ocop_error** err);
/* Blocks on the network: uploads pending blobs (after ocop_sync_*: the server takes a blob only
 * once a synced change references it) and prefetches. Returns the report:
 * {"complete","uploaded","downloaded","pending","not_referenced","bytes_sent","bytes_received",
 *  "resent_acknowledged","lost_in_flight","requests","failures","error_code","error_message"}. */
OCOP_API char* ocop_blob_sync_json(ocop_db* db, size_t* out_len, ocop_error** err);
/* Bytes the blobs the server holds may take on the device (pending ones are never evicted). */
OCOP_API bool ocop_blob_set_budget(ocop_db* db, uint64_t bytes, ocop_error** err);
/* Whether ocop_blob_sync_json fetches a collection's blobs ahead (default: on demand only). */
OCOP_API bool ocop_blob_set_prefetch(ocop_db* db, const char* collection, bool prefetch,
                                     ocop_error** err);
/* The app's preparer: called on the putting thread with the captured bytes and type; it may
 * downscale or re-encode by calling ocop_blob_prepared_set(out, ...) (which copies), or leave
 * them as they are. Returning false refuses the blob ("blob.io"). NULL fn removes it. */
typedef struct ocop_blob_prepared ocop_blob_prepared;
typedef bool (*ocop_blob_prepare_fn)(void* ctx, const uint8_t* bytes, size_t len,
                                     const char* content_type, ocop_blob_prepared* out);
OCOP_API void ocop_blob_prepared_set(ocop_blob_prepared* out, const void* bytes, size_t len,
                                     const char* content_type);
OCOP_API bool ocop_blob_set_preparer(ocop_db* db, ocop_blob_prepare_fn fn, void* ctx,
                                     ocop_error** err);

#ifdef __cplusplus
}
#endif

#endif /* OCOP_SDK_H */
