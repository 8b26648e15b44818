// A list cut at its limit says so and where to go on; limit 0 is all records.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "ocop/sdk/database.hpp"

namespace fs = std::filesystem;

namespace {

ocop::FieldValues inspection(int n) {
    return {{"kind", "market_point"},
            {"site_name", "Chợ số " + std::to_string(n)},
            {"started_at", "2026-11-20T08:00:00+07:00"},
            {"status", "draft"},
            {"unit", "0192a000-0000-7000-8000-000000000001"}};
}

}  // namespace

TEST_CASE("list_page says when a list was cut and pages through the rest") {
    const fs::path dir =
        fs::temp_directory_path() / ("ocop-list-page-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto db = ocop::sdk::Database::open((dir / "phone.db").string());
    db->write([](ocop::sdk::Transaction& t) {
        for (int i = 0; i < 5; ++i) t.create("inspection", inspection(i));
    });

    const auto first = db->list_page("inspection", {}, 2);
    REQUIRE(first.records.size() == 2);
    CHECK(first.more);
    CHECK(first.next_after_id == first.records.back().id);

    std::set<std::string> seen;
    auto page = first;
    for (;;) {
        for (const auto& r : page.records) CHECK(seen.insert(r.id).second);
        if (!page.more) break;
        page = db->list_page("inspection", {}, 2, page.next_after_id);
    }
    CHECK(seen.size() == 5);

    SECTION("exactly the limit is not cut") {
        const auto all = db->list_page("inspection", {}, 5);
        CHECK(all.records.size() == 5);
        CHECK_FALSE(all.more);
        CHECK(all.next_after_id.empty());
    }
    SECTION("limit 0 is all records") {
        const auto all = db->list_page("inspection", {}, 0);
        CHECK(all.records.size() == 5);
        CHECK_FALSE(all.more);
    }
    SECTION("list keeps its old shape") {
        CHECK(db->list("inspection", {}, 3).size() == 3);
    }
    db.reset();
    fs::remove_all(dir);
}
