// Units as an officer meets them (issue #12, items 5 and 6): refusals name the commune, the
// communes in force are listed by code, a unit is given by its code, and a merged commune's
// officer finds her former communes' records under her new commune.
#include <algorithm>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/admin_units.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/units.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

const domain::Date kToday = domain::Date::parse("2026-11-23");  // the demo province's today

std::string text(const Record& r, const char* field) {
    return r.get(field).get<std::string>();
}

// The commune officer's device for `unit`, enrolled and synced.
std::unique_ptr<sdk::Database> officer_of(Province& p, const TempDir& dir, const std::string& unit,
                                          const std::string& name) {
    p.user(name, {{"commune_officer", unit}});
    auto db = sdk::Database::open((dir.path() / (name + ".db")).string());
    db->enroll(p.url, name, kPassword);
    REQUIRE(db->sync().complete);
    return db;
}

}  // namespace

TEST_CASE("a refusal names the commune by its Vietnamese name and code", "[units]") {
    Province p(600);
    std::string a, b;  // not a structured binding: clang 14 cannot capture one
    std::tie(a, b) = p.two_communes();
    TempDir dir("ocop-units");
    auto officer = officer_of(p, dir, a, "can.bo.a");
    const auto other = p.server.store().read("admin_unit", b);
    REQUIRE(other);
    try {
        officer->write([&](sdk::Transaction& t) {
            t.create("inspection", {{"kind", "market_point"},
                                    {"site_name", "Chợ Long Xuyên"},
                                    {"started_at", "2026-11-23T08:00:00+07:00"},
                                    {"status", "draft"},
                                    {"unit", b}});
        });
        FAIL("a write in another commune was accepted");
    } catch (const Error& e) {
        CHECK(e.code() == errc::perm_unit_not_covered);
        const std::string message = e.what();
        CHECK(message.find(text(*other, "name")) != std::string::npos);
        CHECK(message.find("code " + text(*other, "code")) != std::string::npos);
    }
}

TEST_CASE("the communes in force are listed by code, and a unit is found by its code", "[units]") {
    Province p(600);
    TempDir dir("ocop-units");
    auto officer = officer_of(p, dir, p.demo.current_communes.front(), "can.bo.b");

    const auto communes = sdk::units_in_force(*officer, kToday, "commune");
    std::set<std::string> listed;
    for (const auto& c : communes) {
        listed.insert(c.id);
        CHECK(domain::unit_in_force(c, kToday));
    }
    const std::set<std::string> current(p.demo.current_communes.begin(),
                                        p.demo.current_communes.end());
    CHECK(listed == current);
    CHECK(std::is_sorted(communes.begin(), communes.end(), [](const Record& x, const Record& y) {
        return text(x, "code") < text(y, "code");
    }));
    // Every unit, former ones included, when asked.
    CHECK(sdk::all_units(*officer, "commune").size() ==
          current.size() + p.demo.former_communes.size());

    const Record& first = communes.front();
    CHECK(sdk::unit_id_by_code(*officer, text(first, "code"), kToday) == first.id);
    CHECK(server::test::error_code_of([&] { sdk::unit_id_by_code(*officer, "00000", kToday); }) ==
          errc::record_not_found);
    // A former commune's code is not in force any more.
    const auto former = p.server.store().read("admin_unit", p.demo.former_communes.front());
    REQUIRE(former);
    CHECK(server::test::error_code_of([&] {
              sdk::unit_id_by_code(*officer, text(*former, "code"), kToday);
          }) == errc::record_not_found);
    CHECK(sdk::unit_id_by_code(*officer, text(*former, "code"),
                               domain::Date::parse("2025-06-30")) == former->id);
}

TEST_CASE("a merged commune's records are listed under the commune they merged into", "[units]") {
    Province p(1200);
    // The current commune that absorbed the most records of former communes.
    std::string busiest;
    size_t most = 0;
    for (const auto& c : p.demo.current_communes) {
        size_t n = 0;
        for (const auto& u : p.server.store().query("admin_unit", {{"successor", c}}, 1000, {}))
            n += p.records_of("product", u.id).size();
        if (n > most) most = n, busiest = c;
    }
    REQUIRE(most > 0);
    TempDir dir("ocop-units");
    auto officer = officer_of(p, dir, busiest, "can.bo.c");

    std::set<std::string> expected;
    for (const auto& unit : sdk::unit_with_predecessors(*officer, busiest))
        for (const auto& id : p.records_of("product", unit)) expected.insert(id);
    const auto own = officer->list("product", {{"unit", busiest}}, 100000);
    CHECK(own.size() < expected.size());  // the defect: the former communes' records are missed

    std::set<std::string> listed;
    for (const auto& r : sdk::list_in_unit(*officer, "product", busiest, {}, 100000))
        listed.insert(r.id);
    CHECK(listed == expected);

    // Paged in id order, the pages add up to the same records.
    std::set<std::string> paged;
    std::string after;
    for (;;) {
        const auto page = sdk::list_in_unit(*officer, "product", busiest, {}, 7, after);
        for (const auto& r : page) CHECK(paged.insert(r.id).second);
        if (page.size() < 7) break;
        after = page.back().id;
    }
    CHECK(paged == expected);
}
