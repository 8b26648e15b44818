// Signing minutes against a real server: the server judges the signer by the authenticated
// user, whatever the device claims; Database::sign_inspection signs as the enrolled user and the
// server accepts it.
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

TEST_CASE("the server refuses minutes signed in another user's name", "[signing]") {
    Province p(600);
    const std::string a = p.demo.current_communes.front();
    p.user("truong.doan", {{"team_lead", a}});
    p.user("truong.doan.khac", {{"team_lead", a}});
    // A device that checks nothing itself: only the server judges.
    RawDevice raw(p.url, "truong.doan", "raw-signer-1", p.server.port());
    const std::string id = raw.replica.new_record_id();
    raw.put("inspection", id, draft_inspection(a, "HTX gạo Mỹ Hòa"));
    const uint64_t forged = raw.put("inspection", id,
                                    {{"status", "signed"},
                                     {"signed_by", "truong.doan.khac"},
                                     {"signed_at", "2026-11-23T11:00:00+07:00"}});
    const uint64_t unsigned_by = raw.put("inspection", id, {{"status", "signed"}});
    const sync::SyncReport report = raw.sync();
    INFO(report.error_code << ": " << report.error_message);
    REQUIRE(report.refusals.size() == 2);
    CHECK(report.refusals[0].seq == forged);
    CHECK(report.refusals[0].code == domain::errc::inspection_signer_mismatch);
    CHECK(report.refusals[1].seq == unsigned_by);
    CHECK(report.refusals[1].code == domain::errc::inspection_signer_missing);
    const auto stored = p.server.store().read("inspection", id);
    REQUIRE(stored);
    CHECK(stored->get("status") == Value("draft"));

    // Signed in its own name, it is accepted.
    raw.put("inspection", id,
            {{"status", "signed"},
             {"signed_by", "truong.doan"},
             {"signed_at", "2026-11-23T11:00:00+07:00"}});
    const sync::SyncReport ok = raw.sync();
    CHECK(ok.refusals.empty());
    CHECK(p.server.store().read("inspection", id)->get("status") == Value("signed"));
}

TEST_CASE("sign_inspection signs as the enrolled user and the server accepts it", "[signing]") {
    Province p(600);
    const std::string a = p.demo.current_communes.front();
    p.user("truong.doan", {{"team_lead", a}});
    TempDir phone_dir("ocop-phone");
    auto phone = sdk::Database::open((phone_dir.path() / "phone.db").string());

    std::string id;
    phone->write([&](sdk::Transaction& t) {
        id = t.create("inspection", draft_inspection(a, "HTX gạo Mỹ Hòa"));
    });
    // Not enrolled: no one to sign as.
    CHECK(server::test::error_code_of([&] { phone->sign_inspection(id); }) ==
          domain::errc::inspection_signer_unknown);
    // And status=signed by hand is refused on the device, as the server would.
    CHECK(server::test::error_code_of([&] {
              phone->write([&](sdk::Transaction& t) {
                  t.put("inspection", id, {{"status", "signed"}});
              });
          }) == domain::errc::inspection_signer_unknown);

    phone->enroll(p.url, "truong.doan", kPassword);
    REQUIRE(phone->sync().complete);
    CHECK(server::test::error_code_of([&] {
              phone->write([&](sdk::Transaction& t) {
                  t.put("inspection", id, {{"status", "signed"}});
              });
          }) == domain::errc::inspection_signer_missing);

    phone->sign_inspection(id);
    const auto local = phone->get("inspection", id);
    REQUIRE(local);
    CHECK(local->get("status") == Value("signed"));
    CHECK(local->get("signed_by") == Value("truong.doan"));
    CHECK(local->get("signed_at").is_string());

    const sync::SyncReport report = phone->sync();
    INFO(report.error_code << ": " << report.error_message);
    REQUIRE(report.complete);
    CHECK(report.refusals.empty());
    const auto on_server = p.server.store().read("inspection", id);
    REQUIRE(on_server);
    CHECK(on_server->get("status") == Value("signed"));
    CHECK(on_server->get("signed_by") == Value("truong.doan"));
    CHECK(on_server->get("signed_at") == local->get("signed_at"));
}
