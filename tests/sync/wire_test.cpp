// The sync protocol on the wire: requests, responses and receipts survive encode/decode with every
// field (pull pages with per-field stamps included); malformed input is refused with the
// documented codes and never with anything but an ocop::Error; gzip round trips, refuses corrupt
// input and stops a zip bomb at its limit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ocop/core/error_codes.hpp"
#include "ocop/sync/gzip.hpp"
#include "ocop/sync/tuning.hpp"
#include "ocop/sync/wire.hpp"
#include "sync_test_support.hpp"

using nlohmann::json;
using ocop::Cell;
using ocop::CellValue;
using ocop::Changeset;
using ocop::FieldChange;
using ocop::Hlc;
using ocop::RecordChange;
using ocop::Stamp;
using ocop::Value;
using ocop::sync::ChangesetResult;
using ocop::sync::Outcome;
using ocop::sync::PullPage;
using ocop::sync::PullRequest;
using ocop::sync::SyncRequest;
using ocop::sync::SyncResponse;
using ocop::sync::test::error_code_of;
using ocop::sync::test::kT0;
using ocop::sync::test::uuid_for;
namespace errc = ocop::errc;
namespace wire = ocop::sync::wire;

namespace {

// A canonical text of a changeset (fields sorted by name), written without the codec.
std::string canonical(const Changeset& cs) {
    std::string out = cs.replica + " #" + std::to_string(cs.seq) + " schema " +
                      std::to_string(cs.schema_version) + " @" + std::to_string(cs.hlc.wall_ms) +
                      "." + std::to_string(cs.hlc.logical) + "\n";
    for (const auto& r : cs.records) {
        out += "  " + r.collection + "/" + r.id + "\n";
        std::map<std::string, std::string> fields;
        for (const auto& f : r.fields)
            fields[f.field] = f.value.dump() + " base " +
                              (f.base ? ocop::sync::test::describe(*f.base) : std::string("none"));
        for (const auto& [name, text] : fields) out += "    " + name + " = " + text + "\n";
    }
    return out;
}

// A cell as comparable text: which field, its value and its stamp.
std::string cell_text(const Cell& c) {
    return c.collection + "/" + c.record_id + "." + c.field + " = " + c.current.value.dump() +
           " @" + ocop::sync::test::describe(c.current.stamp);
}

std::multiset<std::string> cell_texts(const std::vector<Cell>& cells) {
    std::multiset<std::string> out;
    for (const auto& c : cells) out.insert(cell_text(c));
    return out;
}

Cell cell(const std::string& coll, const std::string& id, const std::string& field, Value v,
          const Stamp& s) {
    return Cell{coll, id, field, CellValue{std::move(v), s, 0}};
}

// The server's values sent back with a refusal, as comparable text.
std::vector<std::string> server_values_text(const ChangesetResult& r) {
    std::vector<std::string> out;
    for (const auto& c : r.server_values)
        out.push_back(c.collection + "/" + c.record_id + "." + c.field + " = " +
                      (c.current ? c.current->value.dump() + " @" +
                                       ocop::sync::test::describe(c.current->stamp)
                                 : std::string("(none)")));
    return out;
}

// Every JSON pointer of a document, containers included.
void collect_pointers(const json& j, const json::json_pointer& at,
                      std::vector<json::json_pointer>& out) {
    out.push_back(at);
    if (j.is_object())
        for (const auto& [k, v] : j.items()) collect_pointers(v, at / k, out);
    else if (j.is_array())
        for (size_t i = 0; i < j.size(); ++i) collect_pointers(j[i], at / i, out);
}

const std::string kUnit1 = uuid_for(1);
const std::string kUnit2 = uuid_for(2);
const std::string kUnit3 = uuid_for(3);

// A valid response written by hand (not by the encoder), the base of the malformed variants.
json valid_response_doc() {
    return json{{"v", 1},
                {"server_id", "server-1"},
                {"hlc", {kT0, 2}},
                {"time", kT0},
                {"results",
                 {{{"seq", 1}, {"ok", true}, {"applied", 4}, {"superseded", 0}},
                  {{"seq", 2},
                   {"ok", true},
                   {"dup", true},
                   {"applied", 1},
                   {"superseded", 0},
                   {"restamped", {kT0, 1}}},
                  {{"seq", 3},
                   {"ok", false},
                   {"code", "value.not_in_enum"},
                   {"message", "no"},
                   {"server",
                    {{"admin_unit", kUnit1, "level", {"commune", kT0, 0, "server-1"}},
                     {"admin_unit", kUnit1, "name", nullptr}}}}}},
                {"expected_seq", 4},
                {"pull",
                 {{"cursor", 9},
                  {"more", true},
                  {"head", 12},
                  {"replicas", {"dev-a", "dev-b"}},
                  {"records",
                   {{{"c", "admin_unit"},
                     {"id", kUnit1},
                     {"s", {kT0, 0, 0}},
                     {"f", {{"code", "X1"}, {"name", "Xã Tân Hiệp"}}},
                     {"fs", {{"name", {kT0 + 5, 1, 1}}}}}}}}}};
}

json valid_request_doc() {
    return json{{"v", 1},
                {"replica", "dev-a"},
                {"schema", 1},
                {"app", "ocop-field/0.1.0"},
                {"hlc", {kT0, 0}},
                {"changesets",
                 {{{"v", 1},
                   {"replica", "dev-a"},
                   {"seq", 1},
                   {"schema", 1},
                   {"hlc", {kT0, 0}},
                   {"records", {{{"c", "admin_unit"}, {"id", kUnit1}, {"f", {{"code", "X1"}}}}}}}}},
                {"pull", {{"cursor", 0}, {"max_cells", 7}, {"max_bytes", 0}}}};
}

}  // namespace

TEST_CASE("sync wire: a request survives encode and decode with every field", "[wire]") {
    const Stamp base_a{Hlc{kT0 - 5000, 3}, "dev-a"};
    const Stamp base_srv{Hlc{kT0 - 9000, 0}, "server-1"};

    Changeset cs1;
    cs1.replica = "dev-a";
    cs1.seq = 41;
    cs1.schema_version = 1;
    cs1.hlc = Hlc{kT0, 7};
    cs1.records.push_back(RecordChange{
        "inspection",
        kUnit1,
        {FieldChange{"status", "signed", base_a},
         FieldChange{"conclusion", "Cơ sở đạt \"đủ\" tiêu chí\n", base_srv},
         FieldChange{"checklist", json{{"items", {1, 2.5, nullptr, json{{"ok", true}}}}},
                     std::nullopt},
         FieldChange{"gps_lat", 10.762622, base_a}}});
    cs1.records.push_back(
        RecordChange{"admin_unit", kUnit2, {FieldChange{"_deleted", true, base_srv}}});
    Changeset cs2;
    cs2.replica = "dev-a";
    cs2.seq = 42;
    cs2.schema_version = 1;
    cs2.hlc = Hlc{kT0 + 1, 0};
    cs2.records.push_back(
        RecordChange{"admin_unit", kUnit3, {FieldChange{"parent", nullptr, std::nullopt}}});

    SyncRequest req;
    req.replica = "dev-a";
    req.schema_version = 1;
    req.app_version = "ocop-field/0.1.0";
    req.hlc = Hlc{kT0 + 2, 65535};
    req.changesets = {cs1, cs2};
    req.pull = PullRequest{123456789012ULL, 7, 2048};

    const SyncRequest back = wire::decode_request(wire::encode(req));
    CHECK(back.replica == req.replica);
    CHECK(back.schema_version == req.schema_version);
    CHECK(back.app_version == req.app_version);
    CHECK(back.hlc == req.hlc);
    REQUIRE(back.changesets.size() == 2);
    CHECK(canonical(back.changesets[0]) == canonical(cs1));
    CHECK(canonical(back.changesets[1]) == canonical(cs2));
    REQUIRE(back.pull.has_value());
    CHECK(back.pull->cursor == 123456789012ULL);
    CHECK(back.pull->max_cells == 7);
    CHECK(back.pull->max_bytes == 2048);

    SECTION("a push without a pull stays without one") {
        req.pull.reset();
        req.changesets.clear();
        const SyncRequest b = wire::decode_request(wire::encode(req));
        CHECK_FALSE(b.pull.has_value());
        CHECK(b.changesets.empty());
    }
}

TEST_CASE("sync wire: a response survives encode and decode, pull page stamps per field",
          "[wire]") {
    const Stamp a{Hlc{kT0, 0}, "dev-a"};
    const Stamp a2{Hlc{kT0 + 10, 4}, "dev-a"};
    const Stamp b{Hlc{kT0 + 3, 1}, "dev-b"};
    const Stamp srv{Hlc{kT0 - 1, 65535}, "server-1"};

    SyncResponse resp;
    resp.server_id = "server-1";
    resp.hlc = Hlc{kT0 + 20, 2};
    resp.server_time_ms = kT0 + 19;
    ChangesetResult r1;
    r1.seq = 7;
    r1.applied = 10;
    ChangesetResult r2;
    r2.seq = 8;
    r2.duplicate = true;
    r2.applied = 3;
    r2.superseded = 1;
    ChangesetResult r3;
    r3.seq = 9;
    r3.outcome = Outcome::refused;
    r3.code = "value.not_in_enum";
    r3.message = "admin_unit.level: 'hamlet' is not one of: province, district, commune";
    r3.server_values = {{"admin_unit", kUnit1, "level", ocop::CellValue{"commune", srv, 0}},
                        {"admin_unit", kUnit2, "name", std::nullopt}};
    ChangesetResult r4;
    r4.seq = 10;
    r4.applied = 2;
    r4.restamped = Hlc{kT0 + 21, 0};
    resp.results = {r1, r2, r3, r4};
    resp.expected_seq = 11;

    PullPage page;
    page.cursor = 5000;
    page.more = true;
    page.head = 7000;
    // Record 1 with three different stamps, record 2, record 1 again (not adjacent), record 3.
    page.cells = {
        cell("admin_unit", kUnit1, "code", "X1", a),
        cell("admin_unit", kUnit1, "name", "Xã Tân Hiệp", b),
        cell("admin_unit", kUnit1, "parent", nullptr, srv),
        cell("inspection", kUnit2, "checklist", json{{"items", {1, json{{"ok", false}}}}}, srv),
        cell("inspection", kUnit2, "gps_lat", 10.75, srv),
        cell("admin_unit", kUnit1, "level", "commune", a2),
        cell("admin_unit", kUnit3, "_deleted", true, b)};
    resp.pull = page;

    const SyncResponse back = wire::decode_response(wire::encode(resp));
    CHECK(back.server_id == "server-1");
    CHECK(back.hlc == resp.hlc);
    CHECK(back.server_time_ms == kT0 + 19);
    CHECK(back.expected_seq == std::optional<uint64_t>(11));
    REQUIRE(back.results.size() == 4);
    for (size_t i = 0; i < 4; ++i) {
        INFO("result " << i);
        const auto& x = resp.results[i];
        const auto& y = back.results[i];
        CHECK(y.seq == x.seq);
        CHECK(y.outcome == x.outcome);
        CHECK(y.duplicate == x.duplicate);
        CHECK(y.applied == x.applied);
        CHECK(y.superseded == x.superseded);
        CHECK(y.restamped == x.restamped);
        CHECK(y.code == x.code);
        CHECK(y.message == x.message);
        CHECK(server_values_text(y) == server_values_text(x));
    }
    REQUIRE(back.pull.has_value());
    CHECK(back.pull->cursor == 5000);
    CHECK(back.pull->more);
    CHECK(back.pull->head == 7000);
    CHECK(cell_texts(back.pull->cells) == cell_texts(page.cells));
    // Records keep their page order (a record may appear twice when its cells are not adjacent).
    std::vector<std::string> order;
    for (const auto& c : back.pull->cells)
        if (order.empty() || order.back() != c.record_id) order.push_back(c.record_id);
    CHECK(order == std::vector<std::string>{kUnit1, kUnit2, kUnit1, kUnit3});

    SECTION("without pull and expected_seq") {
        resp.pull.reset();
        resp.expected_seq.reset();
        resp.results.clear();
        const SyncResponse b2 = wire::decode_response(wire::encode(resp));
        CHECK_FALSE(b2.pull.has_value());
        CHECK_FALSE(b2.expected_seq.has_value());
        CHECK(b2.results.empty());
    }
    SECTION("an empty page") {
        resp.pull = PullPage{42, false, 42, {}};
        const SyncResponse b2 = wire::decode_response(wire::encode(resp));
        REQUIRE(b2.pull.has_value());
        CHECK(b2.pull->cells.empty());
        CHECK(b2.pull->cursor == 42);
        CHECK_FALSE(b2.pull->more);
    }
}

TEST_CASE("sync wire: a receipt (one changeset's result) survives encode and decode", "[wire]") {
    ChangesetResult r;
    r.seq = 99;
    r.applied = 5;
    r.superseded = 2;
    r.restamped = Hlc{kT0, 9};
    ChangesetResult back = wire::decode_result(wire::encode(r));
    CHECK(back.seq == 99);
    CHECK(back.outcome == Outcome::applied);
    CHECK_FALSE(back.duplicate);
    CHECK(back.applied == 5);
    CHECK(back.superseded == 2);
    CHECK(back.restamped == std::optional<Hlc>(Hlc{kT0, 9}));

    ChangesetResult refused;
    refused.seq = 3;
    refused.outcome = Outcome::refused;
    refused.code = "value.bad_format";
    refused.message = "admin_unit.valid_from: must be a date YYYY-MM-DD";
    refused.server_values = {{"admin_unit", kUnit3, "valid_from",
                              ocop::CellValue{"2025-07-01", Stamp{Hlc{kT0 - 7, 3}, "server-1"}, 0}},
                             {"admin_unit", kUnit3, "_deleted", std::nullopt}};
    back = wire::decode_result(wire::encode(refused));
    CHECK(back.outcome == Outcome::refused);
    CHECK(back.code == refused.code);
    CHECK(back.message == refused.message);
    CHECK(server_values_text(back) == server_values_text(refused));
    REQUIRE(back.server_values.size() == 2);
    CHECK_FALSE(back.restamped.has_value());

    CHECK(error_code_of([] { wire::decode_result("{\"seq\":1}"); }) == errc::sync_malformed);
    CHECK(error_code_of([] { wire::decode_result("nope"); }) == errc::sync_malformed);
}

TEST_CASE("sync wire: decode_request refuses malformed requests", "[wire][malformed]") {
    const json good = valid_request_doc();
    REQUIRE(error_code_of([&] { wire::decode_request(good.dump()); }) == "<no error>");

    struct Case {
        const char* what;
        std::function<void(json&)> mutate;
        const char* code;
    };
    const std::vector<Case> cases = {
        {"protocol version 2", [](json& d) { d["v"] = 2; }, errc::sync_version_unsupported},
        {"protocol version 0", [](json& d) { d["v"] = 0; }, errc::sync_version_unsupported},
        {"no protocol version", [](json& d) { d.erase("v"); }, errc::sync_malformed},
        {"version as text", [](json& d) { d["v"] = "1"; }, errc::sync_malformed},
        {"no replica", [](json& d) { d.erase("replica"); }, errc::sync_malformed},
        {"replica not text", [](json& d) { d["replica"] = 5; }, errc::sync_malformed},
        {"replica too long", [](json& d) { d["replica"] = std::string(65, 'a'); },
         errc::sync_malformed},
        {"schema 0", [](json& d) { d["schema"] = 0; }, errc::sync_malformed},
        {"schema negative", [](json& d) { d["schema"] = -1; }, errc::sync_malformed},
        {"schema as text", [](json& d) { d["schema"] = "1"; }, errc::sync_malformed},
        {"app not text", [](json& d) { d["app"] = json::array(); }, errc::sync_malformed},
        {"no hlc", [](json& d) { d.erase("hlc"); }, errc::sync_malformed},
        {"hlc of one number", [](json& d) { d["hlc"] = {kT0}; }, errc::sync_malformed},
        {"hlc of three numbers",
         [](json& d) {
             d["hlc"] = {kT0, 0, 0};
         },
         errc::sync_malformed},
        {"hlc negative",
         [](json& d) {
             d["hlc"] = {-1, 0};
         },
         errc::sync_malformed},
        {"hlc logical over 16 bits",
         [](json& d) {
             d["hlc"] = {kT0, 65536};
         },
         errc::sync_malformed},
        {"hlc wall beyond 47 bits",
         [](json& d) {
             d["hlc"] = {uint64_t{1} << 47, 0};
         },
         errc::sync_malformed},
        {"no changesets", [](json& d) { d.erase("changesets"); }, errc::sync_malformed},
        {"changesets not an array", [](json& d) { d["changesets"] = json::object(); },
         errc::sync_malformed},
        {"a bad changeset", [](json& d) { d["changesets"][0]["seq"] = 0; },
         errc::changeset_malformed},
        {"pull not an object", [](json& d) { d["pull"] = 3; }, errc::sync_malformed},
        {"pull without cursor", [](json& d) { d["pull"].erase("cursor"); }, errc::sync_malformed},
        {"pull cursor negative", [](json& d) { d["pull"]["cursor"] = -5; }, errc::sync_malformed},
        {"pull max_cells as text", [](json& d) { d["pull"]["max_cells"] = "7"; },
         errc::sync_malformed},
        {"too many changesets",
         [](json& d) {
             d["changesets"] = json::array();
             for (size_t i = 0; i <= ocop::sync::tuning::max_changesets_per_request; ++i)
                 d["changesets"].push_back(json::object());
         },
         errc::sync_too_large},
    };
    for (const auto& c : cases) {
        json doc = good;
        c.mutate(doc);
        const std::string text = doc.dump();
        INFO(c.what << ": " << text.substr(0, 300));
        CHECK(error_code_of([&] { wire::decode_request(text); }) == c.code);
    }

    for (const char* text : {"", "nope", "[]", "null", "42", "{\"v\":1", "{\"v\":1,}"}) {
        INFO("text: " << text);
        CHECK(error_code_of([&] { wire::decode_request(text); }) == errc::sync_malformed);
    }
    // Nested deeper than the core's limit: refused before the parser recurses.
    const std::string deep =
        R"({"v":1,"replica":"dev-a","schema":1,"hlc":[1,0],"changesets":[],"x":)" +
        std::string(200, '[') + std::string(200, ']') + "}";
    CHECK(error_code_of([&] { wire::decode_request(deep); }) == errc::sync_malformed);
}

TEST_CASE("sync wire: decode_response refuses malformed responses", "[wire][malformed]") {
    const json good = valid_response_doc();
    REQUIRE(error_code_of([&] { wire::decode_response(good.dump()); }) == "<no error>");

    struct Case {
        const char* what;
        std::function<void(json&)> mutate;
        const char* code;
    };
    const std::vector<Case> cases = {
        {"protocol version 3", [](json& d) { d["v"] = 3; }, errc::sync_version_unsupported},
        {"no protocol version", [](json& d) { d.erase("v"); }, errc::sync_malformed},
        {"no server_id", [](json& d) { d.erase("server_id"); }, errc::sync_malformed},
        {"server_id not text", [](json& d) { d["server_id"] = 1; }, errc::sync_malformed},
        {"no hlc", [](json& d) { d.erase("hlc"); }, errc::sync_malformed},
        {"hlc as text", [](json& d) { d["hlc"] = "now"; }, errc::sync_malformed},
        {"no time", [](json& d) { d.erase("time"); }, errc::sync_malformed},
        {"time fractional", [](json& d) { d["time"] = 1.5; }, errc::sync_malformed},
        {"results not an array", [](json& d) { d["results"] = 1; }, errc::sync_malformed},
        {"result not an object", [](json& d) { d["results"][0] = 1; }, errc::sync_malformed},
        {"result without seq", [](json& d) { d["results"][0].erase("seq"); }, errc::sync_malformed},
        {"result seq negative", [](json& d) { d["results"][0]["seq"] = -1; }, errc::sync_malformed},
        {"result ok not a bool", [](json& d) { d["results"][0]["ok"] = 1; }, errc::sync_malformed},
        {"applied result without counts", [](json& d) { d["results"][0].erase("applied"); },
         errc::sync_malformed},
        {"refused result without code", [](json& d) { d["results"][2].erase("code"); },
         errc::sync_malformed},
        {"refused result with a numeric message", [](json& d) { d["results"][2]["message"] = 5; },
         errc::sync_malformed},
        {"restamped not an hlc", [](json& d) { d["results"][1]["restamped"] = {1}; },
         errc::sync_malformed},
        {"dup not a bool", [](json& d) { d["results"][1]["dup"] = "yes"; }, errc::sync_malformed},
        {"dup null", [](json& d) { d["results"][1]["dup"] = nullptr; }, errc::sync_malformed},
        {"expected_seq negative", [](json& d) { d["expected_seq"] = -4; }, errc::sync_malformed},
        {"refusal's server values not an array", [](json& d) { d["results"][2]["server"] = 1; },
         errc::sync_malformed},
        {"a server value of three members",
         [](json& d) {
             d["results"][2]["server"][0] = {"admin_unit", kUnit1, "level"};
         },
         errc::sync_malformed},
        {"a server value whose id is not text",
         [](json& d) { d["results"][2]["server"][0][1] = 5; }, errc::sync_malformed},
        {"a server value's current not an array",
         [](json& d) { d["results"][2]["server"][0][3] = "commune"; }, errc::sync_malformed},
        {"a server value's current of three members",
         [](json& d) {
             d["results"][2]["server"][0][3] = {"commune", kT0, 0};
         },
         errc::sync_malformed},
        {"a server value's stamp negative",
         [](json& d) { d["results"][2]["server"][0][3][1] = -1; }, errc::sync_malformed},
        {"a server value's stamp replica not text",
         [](json& d) { d["results"][2]["server"][0][3][3] = 0; }, errc::sync_malformed},
        {"pull not an object", [](json& d) { d["pull"] = json::array(); }, errc::sync_malformed},
        {"pull without cursor", [](json& d) { d["pull"].erase("cursor"); }, errc::sync_malformed},
        {"pull without head", [](json& d) { d["pull"].erase("head"); }, errc::sync_malformed},
        {"pull more not a bool", [](json& d) { d["pull"]["more"] = 0; }, errc::sync_malformed},
        {"pull without replicas", [](json& d) { d["pull"].erase("replicas"); },
         errc::sync_malformed},
        {"pull replica not text", [](json& d) { d["pull"]["replicas"][1] = 7; },
         errc::sync_malformed},
        {"pull records not an array", [](json& d) { d["pull"]["records"] = json::object(); },
         errc::sync_malformed},
        {"pull record not an object", [](json& d) { d["pull"]["records"][0] = "r"; },
         errc::sync_malformed},
        {"pull record without id", [](json& d) { d["pull"]["records"][0].erase("id"); },
         errc::sync_malformed},
        {"pull record without stamp", [](json& d) { d["pull"]["records"][0].erase("s"); },
         errc::sync_malformed},
        {"pull stamp replica index out of range",
         [](json& d) {
             d["pull"]["records"][0]["s"] = {kT0, 0, 2};
         },
         errc::sync_malformed},
        {"pull stamp of two numbers",
         [](json& d) {
             d["pull"]["records"][0]["s"] = {kT0, 0};
         },
         errc::sync_malformed},
        {"pull field stamp out of range",
         [](json& d) {
             d["pull"]["records"][0]["fs"]["name"] = {kT0, 0, 9};
         },
         errc::sync_malformed},
        {"pull field stamp negative",
         [](json& d) {
             d["pull"]["records"][0]["fs"]["name"] = {-1, 0, 0};
         },
         errc::sync_malformed},
        {"pull record f not an object",
         [](json& d) {
             d["pull"]["records"][0]["f"] = {1, 2};
         },
         errc::sync_malformed},
    };
    for (const auto& c : cases) {
        json doc = good;
        c.mutate(doc);
        const std::string text = doc.dump();
        INFO(c.what << ": " << text);
        CHECK(error_code_of([&] { wire::decode_response(text); }) == c.code);
    }
}

TEST_CASE("sync wire: decoding never throws anything but ocop::Error", "[wire][malformed]") {
    // Every node of a valid request and response replaced by values of every JSON type, and
    // every truncation of the encoded text: each decodes or fails with an ocop::Error.
    const std::vector<json> replacements = {nullptr,        "x",  -1, 1.5, true, json::array(),
                                            json::object(), 65536};
    auto check_doc = [&](const json& base, const std::function<void(const std::string&)>& decode) {
        std::vector<json::json_pointer> pointers;
        collect_pointers(base, json::json_pointer(), pointers);
        for (const auto& ptr : pointers) {
            if (ptr.empty()) continue;
            for (const auto& r : replacements) {
                json doc = base;
                doc[ptr] = r;
                const std::string text = doc.dump();
                const std::string code = error_code_of([&] { decode(text); });
                INFO(ptr.to_string() << " := " << r.dump() << " -> " << code);
                CHECK((code == "<no error>" || code.rfind('<', 0) == std::string::npos));
            }
        }
        const std::string text = base.dump();
        for (size_t n = 0; n < text.size(); ++n) {
            const std::string code = error_code_of([&] { decode(text.substr(0, n)); });
            INFO("truncated to " << n << " bytes -> " << code);
            CHECK(code == errc::sync_malformed);
        }
    };
    check_doc(valid_response_doc(), [](const std::string& t) { wire::decode_response(t); });
    check_doc(valid_request_doc(), [](const std::string& t) { wire::decode_request(t); });
}

TEST_CASE("sync wire: error bodies are JSON naming the code and the message", "[wire]") {
    const std::string body = wire::error_body("auth.invalid_token", "token \"x\" unknown\n: ồ");
    const json doc = json::parse(body);
    CHECK(doc.at("error").at("code") == "auth.invalid_token");
    CHECK(doc.at("error").at("message") == "token \"x\" unknown\n: ồ");
}

TEST_CASE("sync gzip: round trips, refuses corrupt input", "[gzip]") {
    using ocop::sync::gzip_compress;
    using ocop::sync::gzip_decompress;

    std::mt19937 rng(12345);
    std::string random_bytes(300 * 1024, '\0');
    for (auto& ch : random_bytes) ch = static_cast<char>(rng() & 0xFF);
    std::string repetitive;
    for (int i = 0; i < 20000; ++i)
        repetitive += "{\"c\":\"admin_unit\",\"f\":{\"level\":\"commune\"}},";

    for (const std::string& data : {std::string(), std::string("x"), random_bytes, repetitive}) {
        const std::string z = gzip_compress(data);
        INFO("input of " << data.size() << " bytes");
        // RFC 1952: every member starts with the magic bytes 1f 8b and method 8 (deflate).
        REQUIRE(z.size() >= 18);
        CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
        CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
        CHECK(static_cast<unsigned char>(z[2]) == 8);
        CHECK(gzip_decompress(z, data.size()) == data);
    }
    CHECK(gzip_compress(repetitive).size() < repetitive.size() / 20);

    // The window and hash are sized to the body (deflate_size_for): bodies at and around each
    // size step round trip, and one that repeats itself from its start to its end compresses as
    // well as with the full window.
    for (const size_t size : {size_t{511}, size_t{512}, size_t{513}, size_t{4095}, size_t{4097},
                              size_t{32767}, size_t{32769}, size_t{70000}}) {
        INFO("input of " << size << " bytes");
        std::string data = random_bytes.substr(0, size / 2);
        data += data.substr(0, size - data.size());  // the second half repeats the first
        const std::string z = gzip_compress(data);
        CHECK(gzip_decompress(z, data.size()) == data);
        if (size <= 32768) CHECK(z.size() < data.size() * 6 / 10);
    }

    const std::string z = gzip_compress(repetitive);
    auto code_of = [](const std::string& in) {
        return error_code_of([&] { gzip_decompress(in, 1 << 24); });
    };
    CHECK(code_of("") == errc::http_bad_encoding);
    CHECK(code_of("{\"v\":1}") == errc::http_bad_encoding);
    CHECK(code_of(z.substr(0, z.size() / 2)) == errc::http_bad_encoding);
    CHECK(code_of(z.substr(0, z.size() - 4)) == errc::http_bad_encoding);
    std::string bad_crc = z;
    bad_crc[bad_crc.size() - 6] = static_cast<char>(bad_crc[bad_crc.size() - 6] ^ 0x55);
    CHECK(code_of(bad_crc) == errc::http_bad_encoding);
    std::string bad_header = z;
    bad_header[2] = 7;  // not deflate
    CHECK(code_of(bad_header) == errc::http_bad_encoding);
}

TEST_CASE("sync gzip: output is limited, a zip bomb stops at the limit", "[gzip]") {
    using ocop::sync::gzip_compress;
    using ocop::sync::gzip_decompress;

    const std::string data(100000, 'a');
    const std::string z = gzip_compress(data);
    CHECK(gzip_decompress(z, data.size()) == data);
    CHECK(error_code_of([&] { gzip_decompress(z, data.size() - 1); }) == errc::http_body_too_large);

    // A body that inflates just beyond the server's inflated-body limit from well under 1 MiB.
    const size_t limit = ocop::sync::tuning::max_inflated_body_bytes;
    const std::string bomb = gzip_compress(std::string(limit + 1, '\0'), 9);
    REQUIRE(bomb.size() < 1024 * 1024);
    try {
        gzip_decompress(bomb, limit);
        FAIL("the bomb inflated");
    } catch (const ocop::Error& e) {
        CHECK(e.code() == errc::http_body_too_large);
        CHECK(e.kind() == ocop::ErrorKind::too_large);
    }
}

TEST_CASE("sync gzip: bytes after the end of the gzip member are not silently dropped", "[gzip]") {
    using ocop::sync::gzip_compress;
    using ocop::sync::gzip_decompress;
    const std::string first = gzip_compress("{\"v\":1,\"a\":1}");
    const std::string second = gzip_compress("XYZ");
    // Trailing garbage makes the body corrupt.
    CHECK(error_code_of([&] { gzip_decompress(first + "garbage", 1 << 20); }) ==
          errc::http_bad_encoding);
    // Two members (RFC 1952 2.2: a gzip file is a series of members): either all of the data
    // or a refusal, never only the first member.
    std::string both;
    const std::string code =
        error_code_of([&] { both = gzip_decompress(first + second, 1 << 20); });
    INFO("decoded: " << both << " / " << code);
    CHECK(((code == "<no error>" && both == "{\"v\":1,\"a\":1}XYZ") ||
           code == errc::http_bad_encoding));
}

TEST_CASE("wire: restore epoch fields round-trip and are optional", "[wire][restore]") {
    ocop::sync::SyncRequest req;
    req.replica = "dev-a";
    req.schema_version = 1;
    req.epoch = "0192a000-0000-7000-8000-00000000e001";
    req.acked = 42;
    req.skip_to = 40;
    const auto back = ocop::sync::wire::decode_request(ocop::sync::wire::encode(req));
    CHECK(back.epoch == req.epoch);
    CHECK(back.acked == 42);
    CHECK(back.skip_to == std::optional<uint64_t>(40));

    ocop::sync::SyncResponse resp;
    resp.server_id = "s";
    resp.epoch = "0192a000-0000-7000-8000-00000000e002";
    resp.last_applied = 7;
    const auto rb = ocop::sync::wire::decode_response(ocop::sync::wire::encode(resp));
    CHECK(rb.epoch == resp.epoch);
    CHECK(rb.last_applied == std::optional<uint64_t>(7));

    // Older peers send none of them.
    const auto old_req = ocop::sync::wire::decode_request(
        R"({"v":1,"replica":"d","schema":1,"hlc":[1,0],"changesets":[]})");
    CHECK(old_req.epoch.empty());
    CHECK(old_req.acked == 0);
    CHECK_FALSE(old_req.skip_to.has_value());
    const auto old_resp = ocop::sync::wire::decode_response(
        R"({"v":1,"server_id":"s","hlc":[1,0],"time":1,"results":[]})");
    CHECK(old_resp.epoch.empty());
    CHECK_FALSE(old_resp.last_applied.has_value());
}
