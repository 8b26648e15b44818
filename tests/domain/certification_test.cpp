// Certification by date: who certifies, certificate expiry, the re-evaluation window and the
// evaluation rounds.
#include <catch2/catch.hpp>

#include "domain_test_support.hpp"
#include "ocop/domain/certification.hpp"
#include "ocop/domain/domain_error_codes.hpp"

using ocop::domain::builtin_rule_sets;
using ocop::domain::certificate_expiry;
using ocop::domain::certifier_for;
using ocop::domain::Date;
using ocop::domain::days_until_expiry;
using ocop::domain::expiring_within;
using ocop::domain::FilingTiming;
using ocop::domain::is_expired;
using ocop::domain::last_valid_day;
using ocop::domain::Level;
using ocop::domain::next_round;
using ocop::domain::reevaluation_decision_due;
using ocop::domain::reevaluation_timing;
using ocop::domain::reevaluation_window;
using ocop::domain::test::d;
using ocop::domain::test::error_code_of;
namespace errc = ocop::domain::errc;

namespace {
std::optional<Level> who(int stars, const char* day) {
    return certifier_for(builtin_rule_sets(), stars, d(day));
}
const auto& policy() {
    return builtin_rule_sets().current().reevaluation_policy();
}
}  // namespace

TEST_CASE("who certifies 3 stars: district until 2025-07-05, province from 2025-07-06",
          "[domain][certification]") {
    CHECK(who(3, "2024-03-01") == Level::district);
    CHECK(who(3, "2025-07-05") == Level::district);
    CHECK(who(3, "2025-07-06") == Level::province);
    CHECK(who(3, "2026-05-21") == Level::province);
    CHECK(who(3, "2026-05-22") == Level::province);
    CHECK(who(3, "2026-05-23") == Level::province);
    CHECK(who(3, "2027-01-01") == Level::province);
    CHECK(who(3, "2021-06-01") == Level::province);  // 1048/2019
}

TEST_CASE("who certifies 4 and 5 stars, nobody certifies 1 or 2", "[domain][certification]") {
    for (const char* day : {"2020-01-01", "2024-03-01", "2025-07-05", "2025-07-06", "2026-05-22"}) {
        INFO(day);
        CHECK(who(4, day) == Level::province);
        CHECK(who(5, day) == Level::ministry);
        CHECK_FALSE(who(2, day).has_value());
        CHECK_FALSE(who(1, day).has_value());
    }
    CHECK(error_code_of([] { who(3, "2019-01-01"); }) == errc::rule_set_none_in_force);
}

TEST_CASE("a certificate is valid 36 months, end-of-month dates clamp", "[domain][certification]") {
    CHECK(certificate_expiry(d("2023-06-15")) == d("2026-06-15"));
    CHECK(certificate_expiry(d("2024-02-29")) == d("2027-02-28"));
    CHECK(certificate_expiry(d("2023-01-31")) == d("2026-01-31"));
    CHECK(certificate_expiry(d("2023-11-30")) == d("2026-11-30"));
    CHECK(certificate_expiry(d("2025-12-31")) == d("2028-12-31"));
    for (const auto& rs : builtin_rule_sets().all())
        CHECK(certificate_expiry(rs, d("2024-02-29")) == d("2027-02-28"));

    const Date expiry = d("2027-02-28");
    CHECK_FALSE(is_expired(expiry, d("2027-02-28")));  // expires_on is the last valid day
    CHECK(is_expired(expiry, d("2027-03-01")));
    CHECK(days_until_expiry(expiry, d("2027-01-29")) == 30);
}

TEST_CASE("expiring within N days", "[domain][certification]") {
    const Date expiry = d("2027-02-28");
    CHECK(expiring_within(expiry, d("2027-01-29"), 30));        // 30 days left
    CHECK_FALSE(expiring_within(expiry, d("2027-01-28"), 30));  // 31 days left
    CHECK_FALSE(expiring_within(expiry, d("2027-01-29"), 29));
    CHECK(expiring_within(expiry, d("2027-02-28"), 0));         // the last day
    CHECK_FALSE(expiring_within(expiry, d("2027-03-01"), 30));  // already expired
    CHECK(expiring_within(expiry, d("2026-09-01"), 180));
    CHECK_FALSE(expiring_within(expiry, d("2026-08-31"), 180));
}

TEST_CASE("re-evaluation filed 181, 180, 120 and 119 days before expiry",
          "[domain][certification]") {
    const Date expiry = d("2027-02-28");
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(-181)) == FilingTiming::early);
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(-180)) == FilingTiming::on_time);
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(-150)) == FilingTiming::on_time);
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(-120)) == FilingTiming::on_time);
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(-119)) == FilingTiming::late);
    CHECK(reevaluation_timing(policy(), expiry, expiry) == FilingTiming::late);
    CHECK(reevaluation_timing(policy(), expiry, expiry.add_days(10)) == FilingTiming::late);
    CHECK(expiry.add_days(-180) == d("2026-09-01"));

    const auto w = reevaluation_window(policy(), expiry);
    CHECK(w.opens == d("2026-09-01"));
    CHECK(w.closes == d("2026-10-31"));
    CHECK(reevaluation_decision_due(policy(), d("2026-09-10")) == d("2026-10-25"));  // 45 days
    CHECK(ocop::domain::to_string(FilingTiming::on_time) == "on_time");
}

TEST_CASE("a late filing keeps the certificate at most 180 days past expiry",
          "[domain][certification]") {
    const Date e = d("2027-02-28");
    const Date late = e.add_days(-100);
    CHECK(last_valid_day(policy(), e, e.add_days(-150)) == e);  // on time
    CHECK(last_valid_day(policy(), e, e.add_days(-150), e.add_days(90)) == e);
    CHECK(last_valid_day(policy(), e, late) == e.add_days(180));  // undecided
    CHECK(last_valid_day(policy(), e, late, e.add_days(30)) == e.add_days(30));
    CHECK(last_valid_day(policy(), e, late, e.add_days(200)) == e.add_days(180));
    CHECK(last_valid_day(policy(), e, late, e.add_days(-10)) == e);
    CHECK(last_valid_day(policy(), e, e) == e.add_days(180));   // filed on the last day
    CHECK(last_valid_day(policy(), e, e.add_days(1)) == e);     // after expiry: nothing to keep
    CHECK(last_valid_day(policy(), e, e.add_days(-200)) == e);  // early
}

TEST_CASE("evaluation rounds at the province and at MAE", "[domain][certification]") {
    const auto& rs = builtin_rule_sets().current();
    auto province = [&](const char* day) { return next_round(rs, Level::province, d(day)); };
    auto ministry = [&](const char* day) { return next_round(rs, Level::ministry, d(day)); };

    CHECK(province("2026-04-29").round == 1);
    CHECK(province("2026-04-29").proposals_before == d("2026-04-30"));
    CHECK(province("2026-04-29").decided_before == d("2026-06-30"));
    CHECK(province("2026-01-02").decided_before == d("2026-06-30"));
    CHECK(province("2026-04-30").round == 2);  // "trước ngày 30/4": the 30th is too late
    CHECK(province("2026-04-30").decided_before == d("2026-12-30"));
    CHECK(province("2026-10-29").decided_before == d("2026-12-30"));
    CHECK(province("2026-10-30").decided_before == d("2027-06-30"));
    CHECK(province("2026-12-31").proposals_before == d("2027-04-30"));
    CHECK(province("2026-04-29").label() == "province-2026-1");

    CHECK(ministry("2026-07-29").decided_before == d("2026-09-30"));
    CHECK(ministry("2026-07-30").round == 2);
    CHECK(ministry("2026-07-30").proposals_before == d("2027-01-30"));
    CHECK(ministry("2026-07-30").decided_before == d("2027-03-30"));
    CHECK(ministry("2026-01-29").decided_before == d("2026-03-30"));
    CHECK(ministry("2026-01-30").decided_before == d("2026-09-30"));

    CHECK(error_code_of([] {
              next_round(builtin_rule_sets().require("qd148_2023"), Level::province,
                         Date::parse("2024-01-01"));
          }) == errc::rule_set_incomplete);
}
