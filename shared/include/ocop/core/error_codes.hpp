// Every error code of the shared core, in one place. Codes are part of the public contract:
// never rename one; add new ones and document them in docs/errors.md.
#pragma once

namespace ocop::errc {

// Schema and value validation
inline constexpr const char* schema_invalid = "schema.invalid";
inline constexpr const char* schema_unknown_collection = "schema.unknown_collection";
inline constexpr const char* schema_unknown_field = "schema.unknown_field";
inline constexpr const char* schema_version_unsupported = "schema.version_unsupported";
inline constexpr const char* value_type_mismatch = "value.type_mismatch";
inline constexpr const char* value_not_in_enum = "value.not_in_enum";
inline constexpr const char* value_bad_format = "value.bad_format";
inline constexpr const char* value_not_nfc = "value.not_nfc";
inline constexpr const char* search_empty_query = "search.empty_query";
inline constexpr const char* value_too_long = "value.too_long";
inline constexpr const char* value_required_missing = "value.required_missing";
inline constexpr const char* record_bad_id = "record.bad_id";
inline constexpr const char* record_not_found = "record.not_found";
inline constexpr const char* record_deleted = "record.deleted";

// Conflict resolution (a person choosing among competing values)
inline constexpr const char* conflict_no_such_value = "conflict.no_such_value";
inline constexpr const char* conflict_ambiguous_writer = "conflict.ambiguous_writer";
inline constexpr const char* conflict_not_open = "conflict.not_open";
inline constexpr const char* conflict_not_resolved = "conflict.not_resolved";

// Changesets and their wire format
inline constexpr const char* changeset_malformed = "changeset.malformed";
inline constexpr const char* changeset_too_large = "changeset.too_large";
inline constexpr const char* changeset_version_unsupported = "changeset.version_unsupported";
inline constexpr const char* changeset_empty = "changeset.empty";

// Storage
inline constexpr const char* store_io = "store.io";
inline constexpr const char* store_busy = "store.busy";
inline constexpr const char* store_corrupt = "store.corrupt";
inline constexpr const char* store_full = "store.full";
inline constexpr const char* store_layout_too_new = "store.layout_too_new";

// Clocks
inline constexpr const char* clock_bad_stamp = "clock.bad_stamp";

// Sync protocol
inline constexpr const char* sync_malformed = "sync.malformed";
inline constexpr const char* sync_too_large = "sync.too_large";
inline constexpr const char* sync_version_unsupported = "sync.version_unsupported";
inline constexpr const char* sync_replica_mismatch = "sync.replica_mismatch";
inline constexpr const char* changeset_gap = "changeset.gap";
inline constexpr const char* changeset_wrong_replica = "changeset.wrong_replica";
inline constexpr const char* sync_network = "sync.network";
inline constexpr const char* sync_no_connection = "sync.no_connection";
inline constexpr const char* sync_timeout = "sync.timeout";
inline constexpr const char* sync_cancelled = "sync.cancelled";
inline constexpr const char* sync_server_error = "sync.server_error";
inline constexpr const char* sync_not_enrolled = "sync.not_enrolled";
inline constexpr const char* sync_tls = "sync.tls";
inline constexpr const char* sync_lost_in_restore = "sync.lost_in_restore";
inline constexpr const char* sync_no_scope_policy = "sync.no_scope_policy";
inline constexpr const char* sync_no_transport = "sync.no_transport";
// The SDK's C ABI (mobile-sdk/include/ocop/sdk/ocop_sdk.h).
inline constexpr const char* sdk_bad_argument = "sdk.bad_argument";
inline constexpr const char* sdk_sync_running = "sdk.sync_running";
inline constexpr const char* sdk_handle_busy = "sdk.handle_busy";
// The Java binding (mobile-sdk/android).
inline constexpr const char* sdk_closed = "sdk.closed";
inline constexpr const char* sdk_in_listener = "sdk.in_listener";
inline constexpr const char* store_in_use = "store.in_use";
// ocop-admin copy-to-postgresql: the target schema already holds data.
inline constexpr const char* store_not_empty = "store.not_empty";

// Accounts and authentication
inline constexpr const char* auth_missing_token = "auth.missing_token";
inline constexpr const char* auth_invalid_token = "auth.invalid_token";
inline constexpr const char* auth_bad_credentials = "auth.bad_credentials";
inline constexpr const char* auth_user_exists = "auth.user_exists";
inline constexpr const char* auth_user_unknown = "auth.user_unknown";
inline constexpr const char* auth_bad_username = "auth.bad_username";
inline constexpr const char* auth_weak_password = "auth.weak_password";
inline constexpr const char* auth_device_revoked = "auth.device_revoked";
inline constexpr const char* auth_user_disabled = "auth.user_disabled";
inline constexpr const char* auth_token_expired = "auth.token_expired";
inline constexpr const char* auth_throttled = "auth.throttled";
inline constexpr const char* auth_replica_reserved = "auth.replica_reserved";
inline constexpr const char* auth_unknown_role = "auth.unknown_role";
inline constexpr const char* auth_unknown_device = "auth.unknown_device";
inline constexpr const char* auth_unknown_unit = "auth.unknown_unit";

// Permissions: a change the sender's roles and units do not allow (permission table:
// shared/ocop/permissions/permissions.json)
inline constexpr const char* perm_unit_not_covered = "perm.unit_not_covered";
inline constexpr const char* perm_operation_denied = "perm.operation_denied";
inline constexpr const char* perm_field_denied = "perm.field_denied";
inline constexpr const char* perm_state_denied = "perm.state_denied";
inline constexpr const char* perm_sign_denied = "perm.sign_denied";
inline constexpr const char* perm_reference_not_covered = "perm.reference_not_covered";

// HTTP layer
inline constexpr const char* http_not_found = "http.not_found";
inline constexpr const char* http_method_not_allowed = "http.method_not_allowed";
inline constexpr const char* http_body_too_large = "http.body_too_large";
inline constexpr const char* http_bad_encoding = "http.bad_encoding";
inline constexpr const char* http_bad_json = "http.bad_json";
inline constexpr const char* http_too_slow = "http.too_slow";
inline constexpr const char* http_too_many_connections = "http.too_many_connections";
inline constexpr const char* http_busy = "http.busy";
inline constexpr const char* internal_error = "internal.error";

// Blobs: content-addressed attachments (docs/attachments.md)
inline constexpr const char* blob_bad_ref = "blob.bad_ref";
inline constexpr const char* blob_too_large = "blob.too_large";
inline constexpr const char* blob_unsupported_type = "blob.unsupported_type";
inline constexpr const char* blob_hash_mismatch = "blob.hash_mismatch";
inline constexpr const char* blob_offset_mismatch = "blob.offset_mismatch";
inline constexpr const char* blob_not_referenced = "blob.not_referenced";
inline constexpr const char* blob_not_found = "blob.not_found";
inline constexpr const char* blob_io = "blob.io";
// The provincial desk: the web dashboard (docs/dashboard.md)
inline constexpr const char* desk_csrf = "desk.csrf";
inline constexpr const char* desk_login_required = "desk.login_required";
inline constexpr const char* desk_no_such_list = "desk.no_such_list";
inline constexpr const char* desk_bad_request = "desk.bad_request";

}  // namespace ocop::errc
