// The changeset wire format: round trips, precise refusals, limits, and a deterministic fuzz.
#include <catch2/catch.hpp>

#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "test_support.hpp"

using nlohmann::json;
using ocop::Changeset;
using ocop::FieldChange;
using ocop::RecordChange;
using ocop::Stamp;
using ocop::test::describe;
using ocop::test::error_code_of;
using ocop::test::uuid_for;
namespace codec = ocop::codec;

namespace {

const Stamp kOwnBase{{1'699'999'000'000, 3}, "dev-hanoi-01"};
const Stamp kServerBase{{1'699'999'500'000, 0}, "server"};
const Stamp kOtherBase{{1'699'999'600'000, 65535}, "dev-hue_2"};

Changeset sample() {
    Changeset cs;
    cs.replica = "dev-hanoi-01";
    cs.seq = 42;
    cs.schema_version = 3;
    cs.hlc = {1'700'000'000'123, 7};
    // No bases at all.
    cs.records.push_back(RecordChange{
        "farm",
        uuid_for(1),
        {FieldChange{"name", "Hợp tác xã chè Shan tuyết Hà Giang – “Đạt chuẩn” ★", std::nullopt},
         FieldChange{"workers", 12, std::nullopt}}});
    // One base shared by all fields, from another replica; nested json and a real.
    cs.records.push_back(RecordChange{
        "farm",
        uuid_for(2),
        {FieldChange{
             "notes",
             json{{"checklist", json::array({{{"q", 1}, {"ok", true}, {"note", "Đạt"}},
                                             {{"q", 2}, {"ok", false}, {"note", nullptr}}})},
                  {"score", 3.5}},
             kServerBase},
         FieldChange{"area", 2.75, kServerBase}, FieldChange{"grade", "a", kServerBase}}});
    // Mixed bases: own, none, other replica, and a tombstone.
    cs.records.push_back(RecordChange{
        "farm",
        uuid_for(3),
        {FieldChange{"area", -0.5, kOwnBase}, FieldChange{"organic", false, std::nullopt},
         FieldChange{"owner", uuid_for(9), kOtherBase}, FieldChange{"_deleted", true, kOwnBase},
         FieldChange{"founded", nullptr, kServerBase}}});
    // Same id in another collection.
    cs.records.push_back(RecordChange{
        "person", uuid_for(1), {FieldChange{"full_name", "Nguyễn Thị Ánh", kOtherBase}}});
    return cs;
}

// The sample as a JSON document as it arrives on the wire (numbers parsed from text).
json wire_doc() {
    return json::parse(codec::encode(sample()));
}

std::string decode_error(const std::string& text) {
    return error_code_of([&] { codec::decode(text); });
}
std::string decode_error(const json& doc) {
    return decode_error(doc.dump());
}

json minimal_record(uint64_t n) {
    return {{"c", "farm"}, {"id", uuid_for(n)}, {"f", {{"x", 1}}}};
}

json doc_with_records(json records) {
    json doc = wire_doc();
    doc.erase("replicas");
    doc["records"] = std::move(records);
    return doc;
}

}  // namespace

TEST_CASE("codec: encode/decode round trip", "[codec]") {
    const Changeset cs = sample();
    const std::string text = codec::encode(cs);
    const Changeset back = codec::decode(text);
    CHECK(describe(back) == describe(cs));
    CHECK(back.change_count() == cs.change_count());
    // Unicode text survives byte for byte.
    CHECK(back.records[0].fields.size() == 2);
    // Stable: encoding the decoded changeset gives the same bytes.
    CHECK(codec::encode(back) == text);
}

TEST_CASE("codec: round trip of a changeset whose first field has no base", "[codec]") {
    Changeset cs = sample();
    cs.records.resize(1);
    cs.records[0].fields = {FieldChange{"a", 1, std::nullopt}, FieldChange{"b", 2, kServerBase},
                            FieldChange{"c", 3, std::nullopt}, FieldChange{"d", 4, kOtherBase}};
    CHECK(describe(codec::decode(codec::encode(cs))) == describe(cs));
}

TEST_CASE("codec: from_json accepts what to_json produced, without going through text", "[codec]") {
    const Changeset cs = sample();
    std::string result;
    const std::string code =
        error_code_of([&] { result = describe(codec::from_json(codec::to_json(cs))); });
    CHECK(code == "<no error>");
    if (code == "<no error>") CHECK(result == describe(cs));
}

TEST_CASE("codec: stamps on the wire", "[codec]") {
    const json wire = json::parse(codec::stamp_to_json(kOtherBase).dump());
    CHECK(codec::stamp_from_json(wire) == kOtherBase);
    auto stamp_error = [](const json& j) {
        return error_code_of([&] { codec::stamp_from_json(j); });
    };
    CHECK(stamp_error(json::parse(R"([1, 2, "Bad Replica"])")) == "clock.bad_stamp");
    CHECK(stamp_error(json::parse(R"([1, 2, ""])")) == "clock.bad_stamp");
    CHECK(stamp_error(json::parse(R"([1, 2])")) == "clock.bad_stamp");
    CHECK(stamp_error(json::parse(R"([1, 65536, "a"])")) == "clock.bad_stamp");
    CHECK(stamp_error(json::parse(R"([-1, 0, "a"])")) == "clock.bad_stamp");
    CHECK(stamp_error(json::parse(R"({"a": 1})")) == "clock.bad_stamp");
}

TEST_CASE("codec: decode refuses malformed documents with the precise code", "[codec]") {
    REQUIRE(decode_error(wire_doc()) == "<no error>");

    SECTION("not JSON, not an object") {
        CHECK(decode_error(std::string("")) == "changeset.malformed");
        CHECK(decode_error(std::string("{\"v\":1,")) == "changeset.malformed");
        CHECK(decode_error(std::string("nope")) == "changeset.malformed");
        CHECK(decode_error(std::string("[1,2]")) == "changeset.malformed");
        CHECK(decode_error(std::string("\"text\"")) == "changeset.malformed");
        CHECK(decode_error(std::string("\xff\xfe{}")) == "changeset.malformed");
    }
    SECTION("format version") {
        json doc = wire_doc();
        doc["v"] = 2;
        CHECK(decode_error(doc) == "changeset.version_unsupported");
        doc["v"] = 0;
        CHECK(decode_error(doc) == "changeset.version_unsupported");
        doc["v"] = "1";
        CHECK(decode_error(doc) == "changeset.malformed");
        doc["v"] = 1.0;
        CHECK(decode_error(doc) == "changeset.malformed");
        doc.erase("v");
        CHECK(decode_error(doc) == "changeset.malformed");
    }
    SECTION("replica") {
        json doc = wire_doc();
        for (const json& bad : {json(""), json("Dev-1"), json("dev 1"), json("dev/1"),
                                json(std::string(65, 'a')), json(7), json(nullptr)}) {
            CAPTURE(bad);
            doc["replica"] = bad;
            CHECK(decode_error(doc) == "changeset.malformed");
        }
        doc["replica"] = std::string(64, 'a');
        CHECK(decode_error(doc) == "<no error>");
        doc.erase("replica");
        CHECK(decode_error(doc) == "changeset.malformed");
    }
    SECTION("seq and schema") {
        json doc = wire_doc();
        for (const json& bad : {json(0), json(-1), json("1"), json(1.5)}) {
            CAPTURE(bad);
            doc["seq"] = bad;
            CHECK(decode_error(doc) == "changeset.malformed");
        }
        doc = wire_doc();
        for (const json& bad : {json(0), json(-3), json(1000001), json("3")}) {
            CAPTURE(bad);
            doc["schema"] = bad;
            CHECK(decode_error(doc) == "changeset.malformed");
        }
    }
    SECTION("hlc") {
        json doc = wire_doc();
        for (const char* bad : {"[1]", "[1,2,3]", "[-1,0]", "[1,-1]", "[1,65536]", "[1.5,0]",
                                "[140737488355328,0]", "\"now\"", "null"}) {
            CAPTURE(bad);
            doc["hlc"] = json::parse(bad);
            CHECK(decode_error(doc) == "changeset.malformed");
        }
        doc["hlc"] = json::parse("[140737488355327,65535]");  // the largest valid one
        CHECK(decode_error(doc) == "<no error>");
        doc.erase("hlc");
        CHECK(decode_error(doc) == "changeset.malformed");
    }
    SECTION("records: empty, missing, repeated") {
        CHECK(decode_error(doc_with_records(json::array())) == "changeset.empty");
        json doc = wire_doc();
        doc.erase("records");
        CHECK(decode_error(doc) == "changeset.malformed");
        CHECK(decode_error(doc_with_records(json::object())) == "changeset.malformed");
        CHECK(decode_error(doc_with_records(json::array({7}))) == "changeset.malformed");
        CHECK(decode_error(doc_with_records(json::array({minimal_record(1), minimal_record(1)}))) ==
              "changeset.malformed");
        json other_coll = minimal_record(1);
        other_coll["c"] = "person";
        CHECK(decode_error(doc_with_records(json::array({minimal_record(1), other_coll}))) ==
              "<no error>");
    }
    SECTION("record collection, id and fields") {
        auto with = [](const char* key, const json& v) {
            json r = minimal_record(1);
            r[key] = v;
            return doc_with_records(json::array({r}));
        };
        CHECK(decode_error(with("c", "Farm")) == "changeset.malformed");
        CHECK(decode_error(with("c", 3)) == "changeset.malformed");
        CHECK(decode_error(with("id", "123E4567-E89B-42D3-A456-426614174000")) ==
              "changeset.malformed");
        CHECK(decode_error(with("id", "farm-1")) == "changeset.malformed");
        CHECK(decode_error(with("f", json::object())) == "changeset.malformed");
        CHECK(decode_error(with("f", json::array({1}))) == "changeset.malformed");
        for (const char* bad : {"Name", "1x", "_other", "a-b", ""}) {
            CAPTURE(bad);
            CHECK(decode_error(with("f", json{{bad, 1}})) == "changeset.malformed");
        }
        CHECK(decode_error(with("f", json{{"_deleted", true}})) == "<no error>");
    }
    SECTION("bases: fb naming a field not in f, replica index out of range") {
        json r = minimal_record(1);
        r["fb"] = {{"y", nullptr}};
        CHECK(decode_error(doc_with_records(json::array({r}))) == "changeset.malformed");
        r["fb"] = json::array();
        CHECK(decode_error(doc_with_records(json::array({r}))) == "changeset.malformed");

        json doc = doc_with_records(json::array({minimal_record(1)}));
        doc["replicas"] = json::array({"server"});
        doc["records"][0]["b"] = json::parse("[5,0,0]");
        CHECK(decode_error(doc) == "<no error>");
        doc["records"][0]["b"] = json::parse("[5,0,1]");
        CHECK(decode_error(doc) == "changeset.malformed");
        doc["records"][0]["b"] = json::parse("[5,0]");
        CHECK(decode_error(doc) == "changeset.malformed");
        doc["records"][0]["b"] = json::parse("[5,0,\"server\"]");
        CHECK(decode_error(doc) == "changeset.malformed");
        doc["records"][0].erase("b");
        doc["records"][0]["fb"] = {{"x", json::parse("[5,0,3]")}};
        CHECK(decode_error(doc) == "changeset.malformed");
        doc["replicas"] = json::array({"Server"});
        doc["records"][0]["fb"] = {{"x", json::parse("[5,0,0]")}};
        CHECK(decode_error(doc) == "changeset.malformed");
        doc.erase("replicas");
        CHECK(decode_error(doc) == "changeset.malformed");
    }
}

TEST_CASE("codec: a number too large for a double is malformed, not a foreign exception",
          "[codec]") {
    json doc = doc_with_records(json::array({minimal_record(1)}));
    std::string text = doc.dump();
    const std::string needle = "\"x\":1";
    const auto pos = text.find(needle);
    REQUIRE(pos != std::string::npos);
    text.replace(pos, needle.size(), "\"x\":1e400");
    CHECK(decode_error(text) == "changeset.malformed");
    CHECK(decode_error(std::string("-1e999")) == "changeset.malformed");
}

TEST_CASE("codec: size limits give changeset.too_large", "[codec]") {
    using ocop::tuning::max_changeset_bytes;
    using ocop::tuning::max_fields_per_record;
    using ocop::tuning::max_records_per_changeset;
    using ocop::tuning::max_value_bytes;

    SECTION("number of records") {
        json records = json::array();
        for (uint64_t i = 1; i <= max_records_per_changeset; ++i)
            records.push_back(minimal_record(i));
        CHECK(decode_error(doc_with_records(records)) == "<no error>");
        records.push_back(minimal_record(max_records_per_changeset + 1));
        CHECK(decode_error(doc_with_records(records)) == "changeset.too_large");
    }
    SECTION("number of fields of a record") {
        json r = minimal_record(1);
        r["f"] = json::object();
        for (size_t i = 0; i < max_fields_per_record; ++i) r["f"]["f" + std::to_string(i)] = i;
        CHECK(decode_error(doc_with_records(json::array({r}))) == "<no error>");
        r["f"]["one_more"] = 0;
        CHECK(decode_error(doc_with_records(json::array({r}))) == "changeset.too_large");
    }
    SECTION("one value") {
        json r = minimal_record(1);
        r["f"]["x"] = std::string(max_value_bytes, 'v');
        CHECK(decode_error(doc_with_records(json::array({r}))) == "<no error>");
        r["f"]["x"] = std::string(max_value_bytes + 1, 'v');
        CHECK(decode_error(doc_with_records(json::array({r}))) == "changeset.too_large");
        // A structured value counts its serialized size.
        r["f"]["x"] = json::array(
            {std::string(max_value_bytes / 2, 'v'), std::string(max_value_bytes / 2, 'w')});
        CHECK(decode_error(doc_with_records(json::array({r}))) == "changeset.too_large");
    }
    SECTION("the whole body") {
        // Every value within its limit, the body over the changeset limit.
        const size_t value_size = max_value_bytes - 100;
        json records = json::array();
        size_t total = 0;
        for (uint64_t i = 1; total <= max_changeset_bytes; ++i, total += value_size) {
            json r = minimal_record(i);
            r["f"]["x"] = std::string(value_size, 'v');
            records.push_back(std::move(r));
        }
        CHECK(decode_error(doc_with_records(records)) == "changeset.too_large");
        CHECK(decode_error(std::string(max_changeset_bytes + 1, ' ')) == "changeset.too_large");
    }
}

TEST_CASE("codec: nesting deeper than max_json_depth is refused", "[codec]") {
    using ocop::tuning::max_json_depth;
    // The document itself takes 4 levels around a value: {"records":[{"f":{"x": value}}]}.
    auto nested_value = [](int depth) {
        return std::string(static_cast<size_t>(depth), '[') +
               std::string(static_cast<size_t>(depth), ']');
    };
    auto doc_text = [&](int value_depth) {
        std::string text = doc_with_records(json::array({minimal_record(1)})).dump();
        const std::string needle = "\"x\":1";
        text.replace(text.find(needle), needle.size(), "\"x\":" + nested_value(value_depth));
        return text;
    };
    CHECK(decode_error(doc_text(max_json_depth - 4)) == "<no error>");
    CHECK(decode_error(doc_text(max_json_depth - 3)) == "changeset.malformed");
    // Brackets inside strings do not count.
    json r = minimal_record(1);
    r["f"]["x"] = std::string(1000, '[');
    CHECK(decode_error(doc_with_records(json::array({r}))) == "<no error>");
    // Hostile inputs: very deep, balanced or not.
    CHECK(decode_error(nested_value(200'000)) == "changeset.malformed");
    CHECK(decode_error(std::string(200'000, '{')) == "changeset.malformed");
}

namespace {

// The n-th node of a JSON tree in pre-order (n counts down), or nullptr.
json* nth_node(json& j, size_t& n) {
    if (n == 0) return &j;
    --n;
    if (j.is_structured()) {
        for (auto& child : j) {
            if (json* found = nth_node(child, n)) return found;
        }
    }
    return nullptr;
}

size_t count_nodes(const json& j) {
    size_t n = 1;
    if (j.is_structured())
        for (const auto& child : j) n += count_nodes(child);
    return n;
}

json random_json(std::mt19937_64& rng) {
    switch (rng() % 12) {
        case 0:
            return nullptr;
        case 1:
            return rng() % 2 == 0;
        case 2:
            return -static_cast<int64_t>(rng() % 1000);
        case 3:
            return rng() % 4;
        case 4:
            return rng();
        case 5:
            return 1.5;
        case 6:
            return "dev-x";
        case 7:
            return uuid_for(rng() % 4);
        case 8:
            return json::array({rng() % 100, rng() % 3});
        case 9:
            return json::array({rng() % 100, rng() % 3, rng() % 3});
        case 10:
            return json::object({{"x", 1}});
        default:
            return "_deleted";
    }
}

const char* const kKeys[] = {"v", "replica", "seq", "schema", "hlc", "replicas", "records",
                             "c", "id",      "f",   "b",      "fb",  "x",        "_deleted"};

void mutate_tree(json& doc, std::mt19937_64& rng) {
    size_t n = rng() % count_nodes(doc);
    json* node = nth_node(doc, n);
    switch (rng() % 3) {
        case 0:
            *node = random_json(rng);
            break;
        case 1:
            if (node->is_object() && !node->empty()) {
                auto it = node->begin();
                std::advance(it, static_cast<long>(rng() % node->size()));
                const std::string key = it.key();
                node->erase(key);
            } else if (node->is_array() && !node->empty()) {
                node->erase(rng() % node->size());
            }
            break;
        default:
            if (node->is_object())
                (*node)[kKeys[rng() % std::size(kKeys)]] = random_json(rng);
            else if (node->is_array())
                node->push_back(random_json(rng));
            break;
    }
}

const char* const kTokens[] = {"{",
                               "}",
                               "[",
                               "]",
                               "\"",
                               ":",
                               ",",
                               "null",
                               "true",
                               "-",
                               "0",
                               "-1",
                               "1.5",
                               "\\",
                               "\\u00e9",
                               "\\ud800",
                               "\"_deleted\"",
                               "\"fb\"",
                               "\"b\"",
                               "[1,2,3]",
                               "18446744073709551616",
                               "e5"};

void mutate_text(std::string& s, std::mt19937_64& rng) {
    if (s.empty()) {
        s = kTokens[rng() % std::size(kTokens)];
        return;
    }
    const size_t pos = rng() % s.size();
    switch (rng() % 6) {
        case 0:
            s.resize(pos);
            break;
        case 1:
            s[pos] = static_cast<char>(rng() % 256);
            break;
        case 2:
            s.insert(pos, kTokens[rng() % std::size(kTokens)]);
            break;
        case 3:
            s.erase(pos, 1 + rng() % 8);
            break;
        case 4:
            s.insert(rng() % s.size(), s.substr(pos, 1 + rng() % 16));
            break;
        default:
            if (s[pos] >= '0' && s[pos] <= '9')
                s[pos] = static_cast<char>('0' + rng() % 10);
            else
                s[pos] = kTokens[rng() % std::size(kTokens)][0];
            break;
    }
}

// Decodes `text`; on success, checks that the result re-encodes to an equivalent changeset.
// Returns 1 for decoded, 0 for refused with ocop::Error; a foreign exception fails the test.
int decode_outcome(const std::string& text) {
    Changeset cs;
    try {
        cs = codec::decode(text);
    } catch (const ocop::Error&) {
        return 0;
    } catch (const std::exception& e) {
        FAIL_CHECK("foreign exception: " << e.what());
        return 0;
    } catch (...) {
        FAIL_CHECK("unknown exception");
        return 0;
    }
    // Accepted input: encoding it again must give back the same changeset.
    Changeset again;
    const std::string code = error_code_of([&] { again = codec::decode(codec::encode(cs)); });
    if (code != "<no error>" || describe(again) != describe(cs))
        FAIL_CHECK("re-encoding failed (" << code << ") or changed the changeset:\n"
                                          << describe(cs) << "---\n"
                                          << describe(again));
    return 1;
}

}  // namespace

TEST_CASE("codec: deterministic fuzz, decode succeeds or throws ocop::Error", "[codec][fuzz]") {
    const std::string base_text = codec::encode(sample());
    const json base_doc = json::parse(base_text);
    const uint64_t seed = 0x0C0FFEE5EEDULL;
    std::mt19937_64 rng(seed);
    int decoded = 0, refused = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string text;
        if (i % 2 == 0) {
            text = base_text;
            const int n = 1 + static_cast<int>(rng() % 4);
            for (int m = 0; m < n; ++m) mutate_text(text, rng);
        } else {
            json doc = base_doc;
            const int n = 1 + static_cast<int>(rng() % 3);
            for (int m = 0; m < n; ++m) mutate_tree(doc, rng);
            text = doc.dump();
        }
        INFO("seed " << seed << " iteration " << i << " input: " << text);
        if (decode_outcome(text) == 1)
            ++decoded;
        else
            ++refused;
    }
    // The fuzz reaches both outcomes (otherwise it would be testing nothing).
    CHECK(decoded > 100);
    CHECK(refused > 100);
}
