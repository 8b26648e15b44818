// Text in two Unicode forms: what is stored is NFC whatever form the keyboard sent, a changeset
// holding another form is refused by the schema check, and search folds case and diacritics.
#include <catch2/catch.hpp>

#include <string>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/text.hpp"
#include "test_support.hpp"

using namespace ocop;

namespace {

// "Chợ Long Xuyên" as one code point per letter (NFC) and as base letters followed by combining
// marks (NFD: o + U+031B horn + U+0323 dot below; e + U+0302 circumflex).
const std::string kComposed = "Ch\xE1\xBB\xA3 Long Xuy\xC3\xAAn";
const std::string kDecomposed = "Cho\xCC\x9B\xCC\xA3 Long Xuye\xCC\x82n";

}  // namespace

TEST_CASE("text: NFC composes what an input method sent decomposed", "[text]") {
    REQUIRE(kComposed != kDecomposed);
    CHECK(text::to_nfc(kDecomposed) == kComposed);
    CHECK(text::to_nfc(kComposed) == kComposed);
    CHECK(text::is_nfc(kComposed));
    CHECK_FALSE(text::is_nfc(kDecomposed));
    CHECK(text::is_nfc("plain ascii"));
    // Marks typed in another order than the canonical one still compose to the same letter.
    CHECK(text::to_nfc("Cho\xCC\xA3\xCC\x9B Long Xuye\xCC\x82n") == kComposed);
}

TEST_CASE("text: search folding ignores case, diacritics and spacing; đ is d", "[text]") {
    CHECK(text::fold_for_search(kComposed) == "cho long xuyen");
    CHECK(text::fold_for_search(kDecomposed) == "cho long xuyen");
    CHECK(text::fold_for_search("\xC4\x90\xE1\xBB\x93ng Th\xC3\xA1p") == "dong thap");  // Đồng Tháp
    CHECK(text::fold_for_search("\xC4\x91\xC6\xB0\xE1\xBB\x9Dng") == "duong");          // đường
    CHECK(text::fold_for_search("  CHỢ \t  LONG\nXUYÊN  ") == "cho long xuyen");
    CHECK(text::fold_for_search("").empty());
}

TEST_CASE("text: invalid UTF-8 is a clear error, not a silent rewrite", "[text]") {
    CHECK(ocop::test::error_code_of([] { text::to_nfc("Ch\xE1\xBB"); }) == errc::value_bad_format);
    CHECK(ocop::test::error_code_of([] { text::fold_for_search("\xFF"); }) ==
          errc::value_bad_format);
    CHECK_FALSE(text::is_nfc("\xC3"));
}

TEST_CASE("text: a replica stores decomposed input as NFC", "[text][replica]") {
    SqliteStore store(":memory:");
    LocalReplica replica(
        store, builtin_schema(), [] { return int64_t{1'750'000'000'000}; },
        "0190a000-0000-7000-8000-000000000001");
    const std::string id = replica.new_record_id();
    LocalTransaction txn;
    txn.put("admin_unit", id,
            {{"code", "LX"},
             {"name", kDecomposed},
             {"level", "province"},
             {"valid_from", "2025-07-01"}});
    const Changeset cs = replica.commit(txn);
    const auto rec = store.read("admin_unit", id);
    REQUIRE(rec);
    CHECK(rec->get("name") == kComposed);
    // The changeset that syncs holds the stored form too, so the server refuses nothing.
    REQUIRE(cs.records.size() == 1);
    for (const auto& f : cs.records[0].fields)
        if (f.field == "name") CHECK(f.value == kComposed);
}

TEST_CASE("text: the schema check refuses non-NFC text naming the field", "[text][schema]") {
    const Schema& schema = builtin_schema();
    const CollectionDef& units = schema.require_collection("admin_unit");
    CHECK_NOTHROW(schema.validate_value(units, "name", kComposed));
    try {
        schema.validate_value(units, "name", kDecomposed);
        FAIL("a decomposed value passed the schema check");
    } catch (const Error& e) {
        CHECK(e.code() == errc::value_not_nfc);
        CHECK(e.kind() == ErrorKind::invalid_input);
        CHECK(std::string(e.what()).find("admin_unit.name") != std::string::npos);
    }
    CHECK(ocop::test::error_code_of([&] {
              schema.validate_value(units, "name", std::string("\xFF"));
          }) == errc::value_bad_format);
}
