// Database::search: words typed without diacritics, in any case, find the records whose text
// holds them with diacritics, whichever Unicode form the text was typed in.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "test_support.hpp"

using namespace ocop;

namespace {

std::set<std::string> names_of(const std::vector<Record>& records) {
    std::set<std::string> out;
    for (const auto& r : records) out.insert(r.get("name").get<std::string>());
    return out;
}

const std::string kChoLongXuyen = "Ch\xE1\xBB\xA3 Long Xuy\xC3\xAAn";
const std::string kDongThap = "\xC4\x90\xE1\xBB\x93ng Th\xC3\xA1p";
const std::string kLongAn = "Long An";

struct SearchUnits {
    SearchUnits() : db(sdk::Database::open(":memory:")) {
        db->write([&](sdk::Transaction& t) {
            // Chợ Long Xuyên typed decomposed, as some Vietnamese input methods send it.
            add(t, "CLX", "Cho\xCC\x9B\xCC\xA3 Long Xuye\xCC\x82n");
            add(t, "DT", kDongThap);
            add(t, "LA", kLongAn);
        });
    }
    void add(sdk::Transaction& t, const std::string& code, const std::string& name) {
        t.create(
            "admin_unit",
            {{"code", code}, {"name", name}, {"level", "province"}, {"valid_from", "2025-07-01"}});
    }
    std::set<std::string> search(const std::string& q, size_t limit = 100,
                                 const std::string& field = {}) {
        return names_of(db->search("admin_unit", q, limit, field));
    }
    std::unique_ptr<sdk::Database> db;
};

}  // namespace

TEST_CASE("sdk search: words without diacritics find the text that has them", "[sdk][search]") {
    SearchUnits p;
    CHECK(p.search("cho long xuyen") == std::set<std::string>{kChoLongXuyen});
    CHECK(p.search("dong thap") == std::set<std::string>{kDongThap});
    CHECK(p.search("DONG THAP") == std::set<std::string>{kDongThap});
    CHECK(p.search(kDongThap) == std::set<std::string>{kDongThap});
    CHECK(p.search("  Xuyên   chợ ") == std::set<std::string>{kChoLongXuyen});
    CHECK(p.search("long") == std::set<std::string>{kChoLongXuyen, kLongAn});
    CHECK(p.search("long", 1).size() == 1);
    CHECK(p.search("long thap").empty());
    CHECK(p.search("clx", 100, "code").size() == 1);
    CHECK(p.search("clx", 100, "name").empty());
}

TEST_CASE("sdk search: deleted records are not found", "[sdk][search]") {
    SearchUnits p;
    const auto found = p.db->search("admin_unit", "long an");
    REQUIRE(found.size() == 1);
    p.db->write([&](sdk::Transaction& t) { t.remove("admin_unit", found[0].id); });
    CHECK(p.search("long an").empty());
}

TEST_CASE("sdk search: bad queries are clear errors", "[sdk][search]") {
    SearchUnits p;
    CHECK(ocop::test::error_code_of([&] { p.search("   "); }) == errc::search_empty_query);
    CHECK(ocop::test::error_code_of([&] { p.search("\xFF"); }) == errc::value_bad_format);
    CHECK(ocop::test::error_code_of([&] { p.search("x", 10, "level"); }) ==
          errc::value_type_mismatch);
    CHECK(ocop::test::error_code_of([&] { p.search("x", 10, "nope"); }) ==
          errc::schema_unknown_field);
    CHECK(ocop::test::error_code_of([&] { p.db->search("nope", "x"); }) ==
          errc::schema_unknown_collection);
}
