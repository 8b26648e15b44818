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
inline constexpr const char* value_too_long = "value.too_long";
inline constexpr const char* value_required_missing = "value.required_missing";
inline constexpr const char* record_bad_id = "record.bad_id";
inline constexpr const char* record_not_found = "record.not_found";
inline constexpr const char* record_deleted = "record.deleted";

// Changesets and their wire format
inline constexpr const char* changeset_malformed = "changeset.malformed";
inline constexpr const char* changeset_too_large = "changeset.too_large";
inline constexpr const char* changeset_version_unsupported = "changeset.version_unsupported";
inline constexpr const char* changeset_empty = "changeset.empty";

// Storage
inline constexpr const char* store_io = "store.io";
inline constexpr const char* store_busy = "store.busy";
inline constexpr const char* store_corrupt = "store.corrupt";

// Clocks
inline constexpr const char* clock_bad_stamp = "clock.bad_stamp";

}  // namespace ocop::errc
