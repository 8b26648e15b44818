// The demo province: deterministic for a seed, exactly `size` records, realistic content, and
// every record written through a LocalReplica that checks the domain rules.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "domain_test_support.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/domain/admin_units.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/domain/deadlines.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/rubrics.hpp"
#include "ocop/domain/scoring.hpp"

using ocop::LocalReplica;
using ocop::Record;
using ocop::SqliteStore;
using ocop::domain::Date;
using ocop::domain::DemoOptions;
using ocop::domain::DemoReport;
using ocop::domain::DomainRules;
using ocop::domain::generate_demo_province;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

namespace {

// A demo replica: in-memory store, deterministic clock, the domain rules on every commit.
struct DemoStore {
    explicit DemoStore(const DemoOptions& o)
        : store(":memory:"),
          replica(store, ocop::builtin_schema(), ocop::domain::demo_clock(), "demo-server",
                  rules.list(), false) {
        report = generate_demo_province(replica, o);
    }
    std::vector<Record> all(const std::string& collection) {
        return store.query(collection, {}, 1'000'000, "");
    }
    DomainRules rules;
    SqliteStore store;
    LocalReplica replica;
    DemoReport report;
};

using CellKey =
    std::tuple<std::string, std::string, std::string, std::string, uint64_t, std::string, uint64_t>;

std::vector<CellKey> cells(SqliteStore& s) {
    std::vector<CellKey> out;
    uint64_t cursor = 0;
    for (;;) {
        const auto page = s.changes_since(cursor, 100'000, 1u << 30);
        for (const auto& c : page.cells)
            out.emplace_back(c.collection, c.record_id, c.field, c.current.value.dump(),
                             c.current.stamp.hlc.packed(), c.current.stamp.replica, c.current.seq);
        cursor = page.cursor;
        if (!page.more) break;
    }
    return out;
}

size_t record_count(DemoStore& d) {
    size_t n = 0;
    for (const auto& [name, coll] : ocop::builtin_schema().collections()) n += d.all(name).size();
    return n;
}

std::string text(const Record& r, const char* field) {
    const auto& v = r.get(field);
    return v.is_string() ? v.get<std::string>() : std::string();
}

}  // namespace

TEST_CASE("the demo province is deterministic for a seed", "[domain][demo]") {
    DemoOptions o;
    o.seed = 7;
    o.size = 500;
    DemoStore a(o), b(o);
    const auto ca = cells(a.store);
    CHECK(ca.size() > 5 * o.size);
    CHECK(ca == cells(b.store));
    CHECK(a.report.changesets == b.report.changesets);
    CHECK(a.report.per_collection == b.report.per_collection);

    o.seed = 8;
    DemoStore c(o);
    CHECK(cells(c.store) != ca);
    CHECK(c.report.records == 500);
}

TEST_CASE("the demo writes exactly `size` records", "[domain][demo]") {
    for (size_t size : {size_t{120}, size_t{400}, size_t{900}}) {
        INFO(size);
        DemoOptions o;
        o.seed = 3;
        o.size = size;
        o.records_per_changeset = 64;
        DemoStore d(o);
        CHECK(d.report.records == size);
        CHECK(record_count(d) == size);
        size_t sum = 0;
        for (const auto& [coll, n] : d.report.per_collection) sum += n;
        CHECK(sum == size);
        CHECK(d.report.changesets > size / 64);
    }
    DemoOptions tiny;
    tiny.size = 10;  // fewer than the administrative units
    ocop::SqliteStore store(":memory:");
    LocalReplica replica(store, ocop::builtin_schema(), ocop::domain::demo_clock(), "demo");
    CHECK(error_code_of([&] { generate_demo_province(replica, tiny); }) == errc::demo_invalid);
    CHECK(store.head() == 0);
}

TEST_CASE("the demo province looks like an OCOP province", "[domain][demo]") {
    DemoOptions o;
    o.seed = 2026;
    o.size = 3000;
    DemoStore d(o);
    const DemoReport& r = d.report;
    const Date today = o.today;

    // Units: the merged communes in force, the old communes and districts kept as history.
    CHECK(r.current_communes.size() >= 8);
    CHECK(r.former_communes.size() > r.current_communes.size());
    CHECK(r.former_districts.size() >= 4);
    for (const std::string& id : r.former_communes) {
        const auto u = d.store.read("admin_unit", id);
        REQUIRE(u);
        CHECK(text(*u, "valid_to") == "2025-06-30");
        const std::string now = ocop::domain::unit_for_new_work(d.store, id, today);
        CHECK(std::find(r.current_communes.begin(), r.current_communes.end(), now) !=
              r.current_communes.end());
    }
    for (const std::string& id : r.former_districts)
        CHECK(ocop::domain::unit_for_new_work(d.store, id) == r.province_id);

    // Applicants and products across the 26 sets, with Vietnamese names.
    const auto applicants = d.all("applicant");
    const auto products = d.all("product");
    CHECK(applicants.size() >= 100);
    CHECK(products.size() >= 150);
    std::set<std::string> sets;
    for (const auto& p : products) sets.insert(text(p, "product_set"));
    CHECK(sets.size() == 26);
    size_t diacritics = 0;
    for (const auto& a : applicants) {
        const std::string name = text(a, "representative");
        for (unsigned char ch : name)
            if (ch >= 0x80) {
                ++diacritics;
                break;
            }
    }
    CHECK(diacritics > applicants.size() / 2);

    // Every star level, certificates valid, in their window, expired, superseded.
    for (int stars = 1; stars <= 5; ++stars) CHECK(r.evaluations_by_stars.count(stars) == 1);
    for (int stars = 3; stars <= 5; ++stars) CHECK(r.certificates_by_stars.count(stars) == 1);
    CHECK(r.certificates_in_reevaluation_window >= 1);
    CHECK(r.certificates_expired >= 1);
    std::map<std::string, size_t> status;
    size_t in_window = 0;
    const auto& policy = ocop::domain::builtin_rule_sets().current().reevaluation_policy();
    for (const auto& c : d.all("certificate")) {
        ++status[text(c, "status")];
        const Date expires = Date::parse(text(c, "expires_on"));
        CHECK(expires == ocop::domain::certificate_expiry(Date::parse(text(c, "issued_on"))));
        const auto w = ocop::domain::reevaluation_window(policy, expires);
        if (text(c, "status") == "valid" && w.opens <= today && today <= w.closes) ++in_window;
        if (text(c, "status") == "valid") CHECK(expires.add_days(180) >= today);
    }
    CHECK(in_window == r.certificates_in_reevaluation_window);
    CHECK(status["valid"] >= 10);
    CHECK(status["expired"] == r.certificates_expired);
    CHECK(status["superseded"] >= 1);

    // Council sheets agree with their evaluations.
    const auto evaluations = d.all("evaluation");
    size_t checked = 0;
    for (const auto& e : evaluations) {
        const auto sheets = d.store.query("council_sheet", {{"evaluation", e.id}}, 100, "");
        if (sheets.empty()) continue;
        const auto& rubric = ocop::domain::builtin_rubrics().require(text(e, "rubric"));
        std::vector<ocop::domain::ScoreSheet> filled;
        for (const auto& s : sheets)
            filled.push_back(ocop::domain::ScoreSheet::from_json(s.get("scores")));
        const auto council = ocop::domain::council_score(rubric, filled);
        CHECK(council.average_total == Approx(e.get("average_score").get<double>()));
        if (!e.get("stars").is_null()) {
            const auto& rs = ocop::domain::builtin_rule_sets().require(text(e, "rule_set"));
            CHECK(ocop::domain::award_stars(rs, rubric, filled, false).stars ==
                  e.get("stars").get<int>());
        }
        ++checked;
    }
    CHECK(checked > 100);

    // Past inspections: signed minutes with findings and samples, lab results after signing.
    const auto inspections = d.all("inspection");
    size_t signed_count = 0;
    for (const auto& i : inspections) signed_count += text(i, "status") == "signed";
    CHECK(signed_count >= 20);
    CHECK(d.all("finding").size() >= 20);
    const auto samples = d.all("sample");
    CHECK(samples.size() >= 10);
    size_t with_results = 0;
    for (const auto& s : samples) {
        if (text(s, "result_status") == "pending") continue;
        ++with_results;
        // Results were written after the minutes were signed: a later stamp.
        const auto insp = d.store.read("inspection", text(s, "inspection"));
        REQUIRE(insp);
        CHECK(s.fields.at("result_status").stamp > insp->fields.at("status").stamp);
    }
    CHECK(with_results >= 5);
    CHECK(d.all("proposal").size() >= 1);
}

TEST_CASE("the demo's dossiers run the deadlines of 26/2026 until decided", "[domain][demo]") {
    DemoOptions o;
    o.seed = 11;
    o.size = 2000;
    DemoStore d(o);
    const auto& rule_sets = ocop::domain::builtin_rule_sets();
    const auto& cal = ocop::domain::builtin_calendar();
    size_t decided = 0, running = 0;
    for (const auto& r : d.all("registration")) {
        const auto deadlines = ocop::domain::running_deadlines(rule_sets, cal, r);
        if (text(r, "status") == "decided") {
            ++decided;
            CHECK(deadlines.empty());
            CHECK(!r.get("decided_on").is_null());
            continue;
        }
        for (const auto& dl : deadlines) {
            ++running;
            // A pending dossier of the demo is still within its time on `today`, except the
            // Art. 12.2 ones the demo leaves pending past 22/6 or 21/7/2026.
            if (ocop::domain::due_status(cal, dl.due, o.today).overdue)
                CHECK(dl.rule.rfind("transitional_", 0) == 0);
        }
    }
    CHECK(decided > 0);
    CHECK(running > 0);
}
