// Schema loading and value validation.
#include <catch2/catch.hpp>

#include <string>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"
#include "test_support.hpp"

using nlohmann::json;
using ocop::FieldType;
using ocop::Schema;
using ocop::Value;
using ocop::test::error_code_of;

namespace {

// A schema document with one collection "c" holding the given fields (plus others if given).
json schema_with(json fields, json more_collections = json::array()) {
    json doc = {{"version", 1},
                {"collections", json::array({{{"name", "c"}, {"fields", std::move(fields)}}})}};
    for (auto& c : more_collections) doc["collections"].push_back(c);
    return doc;
}

std::string load_error(const json& doc) {
    return error_code_of([&] { Schema::from_json(doc); });
}

std::string value_error(std::string_view field, const Value& v) {
    const Schema& s = ocop::test::test_schema();
    return error_code_of([&] { s.validate_value(s.require_collection("farm"), field, v); });
}

const std::string kBlob = "sha256:" + std::string(64, 'a');

}  // namespace

TEST_CASE("Schema::from_json reads every field type and its attributes", "[schema]") {
    const Schema& s = ocop::test::test_schema();
    CHECK(s.version() == 3);
    CHECK(s.collections().size() == 2);
    const auto* farm = s.collection("farm");
    REQUIRE(farm != nullptr);
    CHECK(farm->label_vi == "Trang trại");
    REQUIRE(farm->fields.size() == 10);

    const std::pair<const char*, FieldType> expected[] = {
        {"name", FieldType::text},    {"workers", FieldType::integer},
        {"area", FieldType::real},    {"organic", FieldType::boolean},
        {"founded", FieldType::date}, {"inspected_at", FieldType::datetime},
        {"notes", FieldType::json},   {"owner", FieldType::reference},
        {"photo", FieldType::blob},   {"grade", FieldType::enumeration}};
    for (const auto& [name, type] : expected) {
        CAPTURE(name);
        const auto* f = farm->field(name);
        REQUIRE(f != nullptr);
        CHECK(f->type == type);
    }
    const auto* name = farm->field("name");
    CHECK(name->required);
    CHECK(name->label_vi == "Tên");
    CHECK(name->max_length == size_t{20});
    CHECK_FALSE(farm->field("workers")->required);
    CHECK_FALSE(farm->field("workers")->max_length.has_value());
    CHECK(farm->field("owner")->ref_collection == "person");
    const auto& options = farm->field("grade")->options;
    REQUIRE(options.size() == 2);
    CHECK(options[0].value == "a");
    CHECK(options[1].label_vi == "Hạng B");
    CHECK(farm->field("nope") == nullptr);
    CHECK(s.collection("nope") == nullptr);
    CHECK(error_code_of([&] { s.require_collection("nope"); }) == "schema.unknown_collection");
}

TEST_CASE("field type names round trip", "[schema]") {
    for (const char* name : {"text", "integer", "real", "bool", "date", "datetime", "json",
                             "reference", "blob", "enum"}) {
        CAPTURE(name);
        const auto t = ocop::field_type_from_string(name);
        REQUIRE(t.has_value());
        CHECK(ocop::to_string(*t) == name);
    }
    CHECK_FALSE(ocop::field_type_from_string("string").has_value());
}

TEST_CASE("Schema::from_json refuses bad documents with schema.invalid", "[schema]") {
    const json text_field = {{"name", "x"}, {"type", "text"}};
    CHECK(load_error(schema_with(json::array({text_field}))) == "<no error>");

    SECTION("not an object / missing parts / bad version") {
        CHECK(load_error(json::array()) == "schema.invalid");
        CHECK(load_error(json{{"collections", json::array()}}) == "schema.invalid");
        CHECK(load_error(json{{"version", 1}}) == "schema.invalid");
        CHECK(load_error(json{{"version", 0}, {"collections", json::array()}}) == "schema.invalid");
        CHECK(load_error(json{{"version", "1"}, {"collections", json::array()}}) ==
              "schema.invalid");
    }
    SECTION("bad collection and field names") {
        json doc = schema_with(json::array({text_field}));
        for (const char* bad : {"", "Farm", "1farm", "farm-x", "_farm"}) {
            CAPTURE(bad);
            doc["collections"][0]["name"] = bad;
            CHECK(load_error(doc) == "schema.invalid");
        }
        for (const char* bad : {"", "Name", "1st", "a b", "_deleted", "x-y"}) {
            CAPTURE(bad);
            CHECK(load_error(schema_with(json::array({{{"name", bad}, {"type", "text"}}}))) ==
                  "schema.invalid");
        }
        CHECK(load_error(schema_with(json::array({json("x")}))) == "schema.invalid");
    }
    SECTION("duplicate field and duplicate collection") {
        CHECK(load_error(schema_with(json::array(
                  {text_field, {{"name", "x"}, {"type", "integer"}}}))) == "schema.invalid");
        json dup = {{"name", "c"}, {"fields", json::array()}};
        CHECK(load_error(schema_with(json::array({text_field}), json::array({dup}))) ==
              "schema.invalid");
    }
    SECTION("unknown or missing type") {
        CHECK(load_error(schema_with(json::array({{{"name", "x"}, {"type", "string"}}}))) ==
              "schema.invalid");
        CHECK(load_error(schema_with(json::array({{{"name", "x"}}}))) == "schema.invalid");
    }
    SECTION("enum without options, with empty or repeated options") {
        CHECK(load_error(schema_with(json::array({{{"name", "x"}, {"type", "enum"}}}))) ==
              "schema.invalid");
        CHECK(load_error(schema_with(
                  json::array({{{"name", "x"}, {"type", "enum"}, {"options", json::array()}}}))) ==
              "schema.invalid");
        CHECK(load_error(schema_with(json::array(
                  {{{"name", "x"},
                    {"type", "enum"},
                    {"options", json::array({{{"value", "a"}}, {{"value", "a"}}})}}}))) ==
              "schema.invalid");
        CHECK(load_error(schema_with(json::array(
                  {{{"name", "x"},
                    {"type", "enum"},
                    {"options", json::array({{{"value", ""}}})}}}))) == "schema.invalid");
    }
    SECTION("reference without ref or to an unknown collection") {
        CHECK(load_error(schema_with(json::array({{{"name", "x"}, {"type", "reference"}}}))) ==
              "schema.invalid");
        CHECK(load_error(schema_with(
                  json::array({{{"name", "x"}, {"type", "reference"}, {"ref", "ghost"}}}))) ==
              "schema.invalid");
        // A reference to a collection defined later in the document is fine.
        json other = {{"name", "later"}, {"fields", json::array()}};
        CHECK(load_error(schema_with(
                  json::array({{{"name", "x"}, {"type", "reference"}, {"ref", "later"}}}),
                  json::array({other}))) == "<no error>");
    }
    SECTION("max_length of the wrong type") {
        CHECK(load_error(schema_with(
                  json::array({{{"name", "x"}, {"type", "text"}, {"max_length", "long"}}}))) ==
              "schema.invalid");
    }
}

TEST_CASE("validate_value: text, length in UTF-8 bytes", "[schema]") {
    CHECK(value_error("name", "Hợp tác xã") == "<no error>");
    CHECK(value_error("name", std::string(20, 'x')) == "<no error>");
    CHECK(value_error("name", std::string(21, 'x')) == "value.too_long");
    // 10 x "Đ" is 20 bytes, 11 is 22.
    std::string d10;
    for (int i = 0; i < 10; ++i) d10 += "Đ";
    CHECK(value_error("name", d10) == "<no error>");
    CHECK(value_error("name", d10 + "Đ") == "value.too_long");
    CHECK(value_error("name", 5) == "value.type_mismatch");
    CHECK(value_error("name", true) == "value.type_mismatch");
    CHECK(value_error("name", json::array({"x"})) == "value.type_mismatch");
}

TEST_CASE("validate_value: integer, real, bool", "[schema]") {
    CHECK(value_error("workers", 12) == "<no error>");
    CHECK(value_error("workers", -3) == "<no error>");
    CHECK(value_error("workers", 1.5) == "value.type_mismatch");
    CHECK(value_error("workers", "12") == "value.type_mismatch");
    CHECK(value_error("workers", false) == "value.type_mismatch");

    CHECK(value_error("area", 1.25) == "<no error>");
    CHECK(value_error("area", 3) == "<no error>");
    CHECK(value_error("area", "1.25") == "value.type_mismatch");
    CHECK(value_error("area", true) == "value.type_mismatch");

    CHECK(value_error("organic", true) == "<no error>");
    CHECK(value_error("organic", false) == "<no error>");
    CHECK(value_error("organic", 1) == "value.type_mismatch");
    CHECK(value_error("organic", "true") == "value.type_mismatch");
}

TEST_CASE("validate_value: date with a real calendar", "[schema]") {
    for (const char* good :
         {"2024-02-29", "2000-02-29", "2025-12-31", "2025-01-01", "2025-04-30"}) {
        CAPTURE(good);
        CHECK(value_error("founded", good) == "<no error>");
    }
    for (const char* bad :
         {"2025-02-29", "1900-02-29", "2025-04-31", "2025-13-01", "2025-00-10", "2025-01-00",
          "2025-1-01", "2025/01/01", "20250101", "2025-01-01T00:00", "", "abcd-ef-gh"}) {
        CAPTURE(bad);
        CHECK(value_error("founded", bad) == "value.bad_format");
    }
    CHECK(value_error("founded", 20250101) == "value.type_mismatch");
}

TEST_CASE("validate_value: datetime with offset", "[schema]") {
    for (const char* good :
         {"2026-05-22T08:30:00Z", "2026-05-22T08:30:00.123Z", "2026-05-22T08:30:00+07:00",
          "2026-05-22T23:59:59-03:30", "2024-02-29T00:00:00Z"}) {
        CAPTURE(good);
        CHECK(value_error("inspected_at", good) == "<no error>");
    }
    for (const char* bad : {"2026-05-22T08:30:00", "2026-05-22 08:30:00Z", "2026-05-22T24:00:00Z",
                            "2026-05-22T08:60:00Z", "2025-02-29T08:30:00Z", "2026-05-22T08:30:00.Z",
                            "2026-05-22T08:30:00+0700", "2026-05-22T08:30:00+24:00",
                            "2026-05-22T08:30:00Zjunk", "2026-05-22"}) {
        CAPTURE(bad);
        CHECK(value_error("inspected_at", bad) == "value.bad_format");
    }
    CHECK(value_error("inspected_at", 0) == "value.type_mismatch");
}

TEST_CASE("validate_value: json, reference, blob, enum", "[schema]") {
    CHECK(value_error("notes", json{{"ok", true}, {"n", json::array({1, 2})}}) == "<no error>");
    CHECK(value_error("notes", 3) == "<no error>");
    CHECK(value_error("notes", json{{"text", std::string(40, 'x')}}) == "value.too_long");

    CHECK(value_error("owner", "123e4567-e89b-42d3-a456-426614174000") == "<no error>");
    CHECK(value_error("owner", "123E4567-E89B-42D3-A456-426614174000") == "value.bad_format");
    CHECK(value_error("owner", "person-1") == "value.bad_format");
    CHECK(value_error("owner", 17) == "value.type_mismatch");

    CHECK(value_error("photo", kBlob) == "<no error>");
    CHECK(value_error("photo", "sha256:" + std::string(63, 'a')) == "value.bad_format");
    CHECK(value_error("photo", "sha256:" + std::string(64, 'A')) == "value.bad_format");
    CHECK(value_error("photo", "md5:" + std::string(64, 'a')) == "value.bad_format");
    CHECK(value_error("photo", json::object()) == "value.type_mismatch");

    CHECK(value_error("grade", "a") == "<no error>");
    CHECK(value_error("grade", "b") == "<no error>");
    CHECK(value_error("grade", "c") == "value.not_in_enum");
    CHECK(value_error("grade", "A") == "value.not_in_enum");
    CHECK(value_error("grade", 1) == "value.type_mismatch");
}

TEST_CASE("validate_value: null clears, unknown fields, the tombstone", "[schema]") {
    for (const char* f : {"name", "workers", "founded", "owner", "grade", "notes"}) {
        CAPTURE(f);
        CHECK(value_error(f, nullptr) == "<no error>");
    }
    CHECK(value_error("colour", "red") == "schema.unknown_field");
    CHECK(value_error("colour", nullptr) == "schema.unknown_field");
    CHECK(value_error("_deleted", true) == "<no error>");
    CHECK(value_error("_deleted", 1) == "value.type_mismatch");
    CHECK(value_error("_deleted", nullptr) == "value.type_mismatch");
}

TEST_CASE("validate_record: required fields, skipped for deleted records", "[schema]") {
    const Schema& s = ocop::test::test_schema();
    const auto& farm = s.require_collection("farm");
    using Fields = std::map<std::string, Value, std::less<>>;
    auto record_error = [&](const Fields& f) {
        return error_code_of([&] { s.validate_record(farm, f); });
    };
    CHECK(record_error(Fields{{"name", "Trại A"}}) == "<no error>");
    CHECK(record_error(Fields{{"name", "Trại A"}, {"workers", nullptr}}) == "<no error>");
    CHECK(record_error(Fields{}) == "value.required_missing");
    CHECK(record_error(Fields{{"workers", 3}}) == "value.required_missing");
    CHECK(record_error(Fields{{"name", nullptr}}) == "value.required_missing");
    CHECK(record_error(Fields{{"_deleted", true}}) == "<no error>");
    CHECK(record_error(Fields{{"name", nullptr}, {"_deleted", true}}) == "<no error>");
    CHECK(record_error(Fields{{"_deleted", false}}) == "value.required_missing");
}

TEST_CASE("identifier and blob helpers", "[schema]") {
    CHECK(ocop::is_identifier("a"));
    CHECK(ocop::is_identifier("farm_2"));
    CHECK(ocop::is_identifier(std::string(64, 'a')));
    CHECK_FALSE(ocop::is_identifier(std::string(65, 'a')));
    CHECK_FALSE(ocop::is_identifier("_deleted"));
    CHECK(ocop::is_blob_ref(kBlob));
    CHECK_FALSE(ocop::is_blob_ref(kBlob + "0"));
}
