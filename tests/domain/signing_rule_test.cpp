// Signing an inspection's minutes (issue #12, item 3): the signer is the signing user's account,
// the time is given and plausible; a device not enrolled cannot sign; the demo's minutes pass.
#include <catch2/catch.hpp>

#include <string>

#include "domain_test_support.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/signing_rule.hpp"

using namespace ocop;
using namespace ocop::domain;
using ocop::domain::test::error_code_of;
using ocop::domain::test::error_message_of;
using ocop::domain::test::ManualClock;

namespace {

// ManualClock starts at 1'780'000'000'000 ms: 2026-05-28T20:26:40Z.
constexpr const char* kStarted = "2026-05-28T08:00:00+07:00";
constexpr const char* kSignedAt = "2026-05-28T11:00:00+07:00";

// A device whose enrolled user is `user` (empty: not enrolled), with the signing rule and the
// domain rules on every commit, as the SDK runs them.
struct SigningDevice {
    explicit SigningDevice(std::string enrolled, SigningPolicy policy = {})
        : user(std::move(enrolled)),
          signing(policy),
          writer_rule(signing, [this](StoreTxn&) { return Writer{user}; }),
          store(":memory:"),
          replica(store, builtin_schema(), clock.fn(), "dev-sign", checks()) {}

    std::vector<const ChangesetRule*> checks() {
        std::vector<const ChangesetRule*> out{&writer_rule};
        for (const auto* r : rules.list()) out.push_back(r);
        return out;
    }
    std::string id() { return ids.next(1'780'000'000'000 + static_cast<int64_t>(++n)); }
    Changeset put(const std::string& collection, const std::string& record, const FieldValues& f) {
        LocalTransaction t;
        t.put(collection, record, f);
        clock.advance(1);
        return replica.commit(t);
    }
    std::string draft() {
        const std::string unit = id();
        put("admin_unit", unit,
            {{"code", "31000"},
             {"name", "Xã Mỹ Hòa"},
             {"level", "commune"},
             {"valid_from", "2025-07-01"}});
        const std::string rec = id();
        put("inspection", rec,
            {{"kind", "production_facility"},
             {"site_name", "HTX Mỹ Hòa"},
             {"started_at", kStarted},
             {"status", "draft"},
             {"unit", unit}});
        return rec;
    }
    std::string status_of(const std::string& rec) {
        return store.read("inspection", rec)->get("status").get<std::string>();
    }

    std::string user;
    ManualClock clock;
    DomainRules rules;
    SigningRule signing;
    WriterSigningRule writer_rule;
    SqliteStore store;
    UuidV7Generator ids;
    int n = 0;
    LocalReplica replica;
};

}  // namespace

TEST_CASE("signing needs the signer and the time; once refused, signing properly still works",
          "[signing]") {
    SigningDevice d("truong.doan");
    const std::string rec = d.draft();

    // The case: status=signed alone was accepted, and the signer could not be added.
    CHECK(error_code_of([&] {
              d.put("inspection", rec, {{"status", "signed"}});
          }) == domain::errc::inspection_signer_missing);
    CHECK(error_code_of([&] {
              d.put("inspection", rec, {{"status", "signed"}, {"signed_by", "truong.doan"}});
          }) == domain::errc::inspection_signed_at_missing);
    CHECK(error_code_of([&] {
              d.put("inspection", rec, {{"status", "signed"}, {"signed_at", kSignedAt}});
          }) == domain::errc::inspection_signer_missing);
    CHECK(d.status_of(rec) == "draft");

    // Free text, or another account, is not the signer.
    const std::string message = error_message_of([&] {
        d.put("inspection", rec,
              {{"status", "signed"},
               {"signed_by", "Trưởng đoàn Lê Hoàng Nam"},
               {"signed_at", kSignedAt}});
    });
    CHECK(message.find("inspection/" + rec + ".signed_by") != std::string::npos);
    CHECK(message.find("'truong.doan'") != std::string::npos);
    CHECK(error_code_of([&] {
              d.put("inspection", rec,
                    {{"status", "signed"}, {"signed_by", "thanh.vien"}, {"signed_at", kSignedAt}});
          }) == domain::errc::inspection_signer_mismatch);

    // Fields written in an earlier changeset count: the state after the change is judged.
    d.put("inspection", rec, {{"signed_by", "truong.doan"}});
    d.put("inspection", rec, {{"signed_at", kSignedAt}});
    CHECK(error_code_of([&] { d.put("inspection", rec, {{"status", "signed"}}); }) == "<no error>");
    CHECK(d.status_of(rec) == "signed");
}

TEST_CASE("signed_at lies between the inspection's start and the changeset's time + tolerance",
          "[signing]") {
    SigningDevice d("truong.doan");
    const std::string rec = d.draft();
    const auto sign_at = [&](const char* at) {
        return error_code_of([&] {
            d.put("inspection", rec,
                  {{"status", "signed"}, {"signed_by", "truong.doan"}, {"signed_at", at}});
        });
    };
    CHECK(sign_at("2026-05-27T23:59:00+07:00") ==
          domain::errc::inspection_signed_at_range);  // before
    CHECK(sign_at("2026-05-29T08:00:00+07:00") ==
          domain::errc::inspection_signed_at_range);  // future
    CHECK(sign_at("not a time") != "<no error>");     // the schema refuses it first
    // Within the 5-minute tolerance of the device clock (20:26:40Z): accepted.
    CHECK(sign_at("2026-05-28T20:30:00Z") == "<no error>");
}

TEST_CASE("a device not enrolled cannot sign, even creating the record signed", "[signing]") {
    SigningDevice d("");
    const std::string rec = d.draft();
    CHECK(error_code_of([&] {
              d.put("inspection", rec,
                    {{"status", "signed"}, {"signed_by", "truong.doan"}, {"signed_at", kSignedAt}});
          }) == domain::errc::inspection_signer_unknown);
    // Drafts are still fine.
    CHECK(error_code_of([&] {
              d.put("inspection", rec, {{"conclusion", "Đạt"}});
          }) == "<no error>");

    SigningDevice e("truong.doan");
    e.draft();
    const std::string fresh = e.id();
    const std::string unit = e.store.query("admin_unit", {}, 1, {}).front().id;
    FieldValues created{{"kind", "market_point"},
                        {"site_name", "Chợ Mỹ Hòa"},
                        {"started_at", kStarted},
                        {"status", "signed"},
                        {"unit", unit}};
    CHECK(error_code_of([&] { e.put("inspection", fresh, created); }) ==
          domain::errc::inspection_signer_missing);
    created["signed_by"] = "truong.doan";
    created["signed_at"] = kSignedAt;
    CHECK(error_code_of([&] { e.put("inspection", fresh, created); }) == "<no error>");
}

TEST_CASE("the producer's signature is required once the policy says attachments exist",
          "[signing]") {
    SigningPolicy with_attachments;
    with_attachments.require_producer_signature = true;
    SigningDevice d("truong.doan", with_attachments);
    const std::string rec = d.draft();
    FieldValues sign{{"status", "signed"}, {"signed_by", "truong.doan"}, {"signed_at", kSignedAt}};
    CHECK(error_code_of([&] { d.put("inspection", rec, sign); }) ==
          domain::errc::inspection_producer_signature_missing);
    sign["producer_signature"] = "sha256:" + std::string(64, 'a');
    CHECK(error_code_of([&] { d.put("inspection", rec, sign); }) == "<no error>");
    // Off by default: attachments do not travel yet.
    CHECK_FALSE(SigningPolicy{}.require_producer_signature);
}

TEST_CASE("the demo province's minutes are signed as its signing account", "[signing]") {
    DemoOptions options;
    options.size = 1500;
    DomainRules rules;
    const WriterSigningRule signing(rules.signing(),
                                    [&](StoreTxn&) { return Writer{options.signer}; });
    std::vector<const ChangesetRule*> checks = rules.list();
    checks.push_back(&signing);
    SqliteStore store(":memory:");
    LocalReplica replica(store, builtin_schema(), demo_clock(), "demo-server", checks, false);
    generate_demo_province(replica, options);  // throws on a refused signature
    size_t signed_minutes = 0;
    for (const auto& r : store.query("inspection", {}, 100000, {}))
        if (r.get("status") == Value("signed")) {
            ++signed_minutes;
            CHECK(r.get("signed_by") == Value("demo"));
        }
    CHECK(signed_minutes > 0);
}
