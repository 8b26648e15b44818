// The data model: named collections of typed fields, loaded from JSON so that the OCOP domain
// (and its later versions) is data, not code. Values are nlohmann::json; validation turns a
// wrong value into an Error naming the collection, the field and the rule.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocop {

using Value = nlohmann::json;

enum class FieldType {
    text,
    integer,
    real,
    boolean,
    date,
    datetime,
    json,
    reference,
    blob,
    enumeration
};

std::string_view to_string(FieldType type) noexcept;
std::optional<FieldType> field_type_from_string(std::string_view name) noexcept;

struct EnumOption {
    std::string value;
    std::string label_vi;
};

struct FieldDef {
    std::string name;
    FieldType type = FieldType::text;
    std::string label_vi;
    bool required = false;
    std::string ref_collection;        // for references: the collection the id points into
    std::vector<EnumOption> options;   // for enumerations
    std::optional<size_t> max_length;  // bytes of UTF-8 for text; serialized bytes for json
};

struct CollectionDef {
    std::string name;
    std::string label_vi;
    std::vector<FieldDef> fields;

    const FieldDef* field(std::string_view name) const noexcept;
};

// The tombstone: every collection has this implicit boolean field. Deleting a record writes
// `_deleted = true`, which syncs and merges like any other field.
inline constexpr std::string_view deleted_field = "_deleted";

class Schema {
  public:
    // Throws Error(schema.invalid) naming the offending entry.
    static Schema from_json(const nlohmann::json& doc);

    int version() const noexcept { return version_; }
    const CollectionDef* collection(std::string_view name) const noexcept;
    const CollectionDef& require_collection(std::string_view name) const;  // throws
    const std::map<std::string, CollectionDef, std::less<>>& collections() const noexcept {
        return collections_;
    }

    // One field value, as it will be stored. Null is allowed (it clears the field) unless the
    // field is required; required fields are checked on whole records by validate_record.
    void validate_value(const CollectionDef& coll, std::string_view field, const Value& v) const;

    // A record's complete current field values (after a local transaction): every required field
    // present and non-null, unless the record is deleted.
    void validate_record(const CollectionDef& coll,
                         const std::map<std::string, Value, std::less<>>& fields) const;

  private:
    int version_ = 0;
    std::map<std::string, CollectionDef, std::less<>> collections_;
};

// "YYYY-MM-DD" with a real calendar date.
bool is_iso_date(std::string_view text) noexcept;
// "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)".
bool is_iso_datetime(std::string_view text) noexcept;
// Well-formed UTF-8 (no overlong forms, surrogates or values beyond U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;
// "sha256:" followed by 64 lowercase hex digits: a content-addressed blob.
bool is_blob_ref(std::string_view text) noexcept;
// Names of collections and fields: [a-z][a-z0-9_]{0,63}.
bool is_identifier(std::string_view text) noexcept;

}  // namespace ocop
