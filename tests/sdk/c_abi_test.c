/* The C ABI as a C program sees it, compiled as C and linked to libocopsdk.so: version, errors
 * with their accessors, a transaction, reads, a list page, folded search, the schema, and four
 * threads writing through one handle. Exits non-zero, naming the check, on the first failure.
 * Usage: ocop_c_abi_test <scratch directory> */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocop/sdk/ocop_sdk.h"

static int failures = 0;

#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                              \
        }                                                                            \
    } while (0)

/* The stable code of `err` (or "" for none), compared and freed. */
static int code_is(ocop_error* err, const char* expected) {
    size_t len = 0;
    const char* code = ocop_error_get_code(err, &len);
    const int same = err != NULL && len == strlen(expected) && memcmp(code, expected, len) == 0;
    if (!same)
        fprintf(stderr, "expected error %s, got %.*s: %s\n", expected, (int)len, code,
                ocop_error_get_message(err, NULL));
    ocop_error_free(err);
    return same;
}

static int contains(const char* text, const char* part) {
    return text && strstr(text, part) != NULL;
}

#define UNIT "01900000-0000-7000-8000-000000000001"

/* One site, written as a transaction that creates a record. */
static char* write_site(ocop_db* db, const char* name, ocop_error** err) {
    char txn[512];
    snprintf(txn, sizeof txn,
             "{\"put\":[{\"collection\":\"inspection\",\"fields\":{\"kind\":\"tourism_site\","
             "\"site_name\":\"%s\",\"started_at\":\"2026-11-23T08:00:00+07:00\","
             "\"status\":\"draft\",\"unit\":\"" UNIT "\"}}]}",
             name);
    return ocop_db_write_json(db, txn, NULL, err);
}

typedef struct {
    ocop_db* db;
    int index;
    int written;
} writer_arg;

static void* writer(void* p) {
    writer_arg* arg = (writer_arg*)p;
    for (int i = 0; i < 25; ++i) {
        char name[64];
        snprintf(name, sizeof name, "Điểm %d-%d", arg->index, i);
        ocop_error* err = NULL;
        char* out = write_site(arg->db, name, &err);
        if (out) ++arg->written;
        if (err) {
            fprintf(stderr, "writer %d: %s\n", arg->index, ocop_error_get_message(err, NULL));
            ocop_error_free(err);
        }
        ocop_string_free(out);
    }
    return NULL;
}

/* The app's preparer: keeps the first half of a photo (a stand-in for downscaling). */
static bool halve(void* ctx, const uint8_t* bytes, size_t len, const char* type,
                  ocop_blob_prepared* out) {
    (void)ctx;
    (void)type;
    ocop_blob_prepared_set(out, bytes, len / 2, "image/jpeg");
    return true;
}

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: ocop_c_abi_test <scratch directory>\n");
        return 2;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/c-abi-device.db", argv[1]);
    remove(path);

    EXPECT(ocop_sdk_abi_version() >= OCOP_SDK_ABI_VERSION);
    size_t len = 0;
    const char* version = ocop_sdk_version(&len);
    EXPECT(version != NULL && len > 0 && strlen(version) == len);

    ocop_error* err = NULL;
    EXPECT(ocop_db_open(NULL, &err) == NULL);
    EXPECT(code_is(err, "sdk.bad_argument"));

    err = NULL;
    ocop_db* db = ocop_db_open(path, &err);
    EXPECT(db != NULL && err == NULL);
    if (!db) return 1;
    EXPECT(ocop_db_replica_id(db, &len)[0] != '\0' && len > 0);

    /* A transaction: the id of the new record and the changeset's sequence come back. */
    size_t out_len = 0;
    char* written = NULL;
    {
        const char* txn =
            "{\"put\":[{\"collection\":\"inspection\",\"fields\":{\"kind\":\"tourism_site\","
            "\"site_name\":\"Chợ Long Xuyên\",\"started_at\":\"2026-11-23T08:00:00+07:00\","
            "\"status\":\"draft\",\"unit\":\"" UNIT "\"}}]}";
        written = ocop_db_write_json(db, txn, &out_len, &err);
    }
    EXPECT(written != NULL && err == NULL && strlen(written) == out_len);
    EXPECT(contains(written, "\"seq\":1"));
    char id[64] = {0};
    const char* at = written ? strstr(written, "\"ids\":[\"") : NULL;
    EXPECT(at != NULL);
    if (at) memcpy(id, at + 8, 36);
    ocop_string_free(written);

    /* Read back exactly, Vietnamese bytes and length included. */
    char* record = ocop_db_get_json(db, "inspection", id, &out_len, &err);
    EXPECT(record != NULL && strlen(record) == out_len);
    EXPECT(contains(record, "\"site_name\":\"Chợ Long Xuyên\""));
    ocop_string_free(record);

    /* Errors carry kind, stable code, message and whether a retry may help. */
    EXPECT(ocop_db_write_json(db, "{not json", NULL, &err) == NULL);
    EXPECT(err != NULL && ocop_error_get_kind(err) == OCOP_ERR_INVALID_INPUT);
    EXPECT(!ocop_error_is_retryable(err));
    EXPECT(code_is(err, "http.bad_json"));
    err = NULL;
    EXPECT(ocop_db_write_json(db, "{\"put\":[{\"collection\":\"nope\",\"fields\":{}}]}", NULL,
                              &err) == NULL);
    EXPECT(code_is(err, "schema.unknown_collection"));
    err = NULL;
    EXPECT(ocop_db_get_json(db, "inspection", "01900000-0000-7000-8000-00000000ffff", NULL, &err) ==
           NULL);
    EXPECT(err != NULL && ocop_error_get_kind(err) == OCOP_ERR_NOT_FOUND);
    EXPECT(contains(ocop_error_get_message_vi(err, NULL), "Không tìm thấy"));
    EXPECT(code_is(err, "record.not_found"));
    err = NULL;
    EXPECT(ocop_db_get_json(NULL, "inspection", id, NULL, &err) == NULL);
    EXPECT(code_is(err, "sdk.bad_argument"));
    err = NULL;

    /* Four threads write through the one handle: every record is there, every id distinct. */
    pthread_t threads[4];
    writer_arg args[4];
    for (int t = 0; t < 4; ++t) {
        args[t].db = db;
        args[t].index = t;
        args[t].written = 0;
        pthread_create(&threads[t], NULL, writer, &args[t]);
    }
    for (int t = 0; t < 4; ++t) pthread_join(threads[t], NULL);
    for (int t = 0; t < 4; ++t) EXPECT(args[t].written == 25);

    /* A page of the list: 101 records in pages of 60. */
    char* page = ocop_db_list_json(db, "inspection", "{\"kind\":\"tourism_site\"}", 60, NULL,
                                   &out_len, &err);
    EXPECT(page != NULL && contains(page, "\"more\":true"));
    const char* next = page ? strstr(page, "\"next_after_id\":\"") : NULL;
    EXPECT(next != NULL);
    char after[64] = {0};
    if (next) memcpy(after, next + 17, 36);
    int first_page = 0;
    for (const char* p = page; p && (p = strstr(p, "\"collection\":\"inspection\"")); ++p)
        ++first_page;
    EXPECT(first_page == 60);
    ocop_string_free(page);
    page = ocop_db_list_json(db, "inspection", NULL, 60, after, &out_len, &err);
    int second_page = 0;
    for (const char* p = page; p && (p = strstr(p, "\"collection\":\"inspection\"")); ++p)
        ++second_page;
    EXPECT(second_page == 41);
    EXPECT(contains(page, "\"more\":false"));
    ocop_string_free(page);

    /* Folded search: no diacritics, any case. */
    char* found = ocop_db_search_json(db, "inspection", "cho long xuyen", NULL, 10, &out_len, &err);
    EXPECT(contains(found, "Chợ Long Xuyên"));
    ocop_string_free(found);
    found = ocop_db_search_json(db, "inspection", "diem 3-24", "site_name", 10, NULL, &err);
    EXPECT(contains(found, "Điểm 3-24"));
    ocop_string_free(found);

    /* The schema with the labels a form shows. */
    char* schema = ocop_db_schema_json(db, &out_len, &err);
    EXPECT(schema != NULL && out_len > 1000 && contains(schema, "\"label_vi\""));
    ocop_string_free(schema);

    /* Nothing synced yet: status says so, and a refused list is empty. */
    char* status = ocop_db_status_json(db, NULL, &err);
    EXPECT(contains(status, "\"pending\":101") && contains(status, "\"enrolled\":false"));
    ocop_string_free(status);
    char* refused = ocop_db_refused_json(db, &out_len, &err);
    EXPECT(refused != NULL && strcmp(refused, "[]") == 0 && out_len == 2);
    ocop_string_free(refused);

    /* A sync of a device that never enrolled says so in its report. */
    char* report = ocop_db_sync(db, NULL, NULL, NULL, &err);
    EXPECT(contains(report, "sync.not_enrolled"));
    ocop_string_free(report);

    /* Blobs: stored through the preparer, named by what it returned, pending until uploaded. */
    EXPECT(ocop_blob_set_preparer(db, halve, NULL, &err));
    const char photo[] = "0123456789abcdefghij";
    char* ref = ocop_blob_put_bytes(db, photo, 20, "image/png", &out_len, &err);
    /* sha256 of "0123456789", the half the preparer kept */
    EXPECT(ref != NULL && out_len == 71 &&
           strcmp(ref, "sha256:84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882") ==
               0);
    char* info = ref ? ocop_blob_info_json(db, ref, NULL, &err) : NULL;
    EXPECT(contains(info, "\"size\":10") && contains(info, "\"uploaded\":false") &&
           contains(info, "\"content_type\":\"image/jpeg\""));
    ocop_string_free(info);
    char* file = ref ? ocop_blob_path(db, ref, &out_len, &err) : NULL;
    EXPECT(file != NULL && out_len > 0);
    ocop_string_free(file);
    ocop_string_free(ref);
    EXPECT(ocop_blob_set_preparer(db, NULL, NULL, &err));
    EXPECT(ocop_blob_put_bytes(db, photo, 20, "text/plain", NULL, &err) == NULL);
    EXPECT(code_is(err, "blob.unsupported_type"));
    err = NULL;
    EXPECT(ocop_blob_path(db,
                          "sha256:0000000000000000000000000000000000000000000000000000000000000000",
                          NULL, &err) == NULL);
    EXPECT(code_is(err, "blob.not_found"));
    err = NULL;
    EXPECT(ocop_blob_set_budget(db, 1024 * 1024, &err));
    EXPECT(ocop_blob_set_prefetch(db, "evidence_photo", true, &err));
    char* blob_report = ocop_blob_sync_json(db, NULL, &err);
    EXPECT(contains(blob_report, "sync.not_enrolled") &&
           contains(blob_report, "\"complete\":false"));
    ocop_string_free(blob_report);

    EXPECT(err == NULL);
    EXPECT(ocop_db_close(db, NULL));
    if (failures) fprintf(stderr, "%d checks failed\n", failures);
    return failures ? 1 : 0;
}
