/* The stable C ABI of the OCOP field SDK, for JNI (Android), Swift and other FFI callers.
 *
 * Conventions (after LiteCore's C4 API): opaque handles with one prefix (ocop_db_), every fallible
 * call takes a trailing ocop_error* that may be NULL and is filled only on failure, and every
 * string the SDK returns is UTF-8 JSON that the caller frees with ocop_string_free. Records and
 * reports cross the boundary as JSON so the ABI does not change when the schema does. */
#ifndef OCOP_SDK_H
#define OCOP_SDK_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCOP_SDK_ABI_VERSION 1

#if defined(__GNUC__) || defined(__clang__)
#define OCOP_API __attribute__((visibility("default")))
#else
#define OCOP_API
#endif

typedef struct ocop_db ocop_db;

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

typedef struct {
    int kind;          /* an ocop_error_kind */
    char code[64];     /* stable code, e.g. "value.not_in_enum" (docs/errors.md) */
    char message[512]; /* human message, truncated to fit */
} ocop_error;

OCOP_API int ocop_sdk_abi_version(void);

/* The Vietnamese message for err->code, to show the officer beside (or instead of) err->message.
 * Added after ABI version 1 without changing ocop_error, so callers built against the old header
 * keep working. Never NULL: a static UTF-8 string, not to be freed; for an unknown code (or a NULL
 * err) a generic "an error occurred" sentence. The catalogue is the core's, so every app shows the
 * same sentence for a code. */
OCOP_API const char* ocop_error_message_vi(const ocop_error* err);

/* Opens or creates the device store at `path`. NULL on failure. */
OCOP_API ocop_db* ocop_db_open(const char* path, ocop_error* err);
OCOP_API void ocop_db_close(ocop_db* db);

/* Writes one transaction given as JSON:
 *   {"put":[{"collection":"inspection","id":"<uuid or absent to create>","fields":{...}}],
 *    "remove":[{"collection":"finding","id":"<uuid>"}]}
 * Returns {"seq":N,"ids":["<id of each put, in order>"]}, or NULL on failure (nothing stored). */
OCOP_API char* ocop_db_write_json(ocop_db* db, const char* transaction_json, ocop_error* err);

/* The record as {"collection":..,"id":..,"deleted":bool,"fields":{..}}; NULL with
 * err->code "record.not_found" when absent. */
OCOP_API char* ocop_db_get_json(ocop_db* db, const char* collection, const char* id, ocop_error* err);

/* Live records of a collection matching `filters_json` ({"field":value,...} or NULL), as a JSON
 * array, at most `limit`, after `after_id` (NULL for the start). */
OCOP_API char* ocop_db_list_json(ocop_db* db, const char* collection, const char* filters_json,
                        uint32_t limit, const char* after_id, ocop_error* err);

/* Logs in once; the password is not stored. ca_file may be NULL. */
OCOP_API bool ocop_db_enroll(ocop_db* db, const char* server_url, const char* user, const char* password,
                    const char* device_name, const char* ca_file, ocop_error* err);

/* One sync run. Returns the report as JSON (also when the run failed: see "complete" and
 * "error"); NULL only if the SDK itself failed. */
OCOP_API char* ocop_db_sync(ocop_db* db, ocop_error* err);

/* Pending, refused, last complete sync, last error, fully_synced. */
OCOP_API char* ocop_db_status_json(ocop_db* db, ocop_error* err);

/* Changesets the server refused, with code and message, for a person to fix or discard. */
OCOP_API char* ocop_db_refused_json(ocop_db* db, ocop_error* err);
OCOP_API bool ocop_db_discard_refused(ocop_db* db, uint64_t seq, ocop_error* err);

OCOP_API void ocop_string_free(char* s);

#ifdef __cplusplus
}
#endif

#endif /* OCOP_SDK_H */
