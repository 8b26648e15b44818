// Issue 4's field workflow end to end: a tourism-site inspection recorded offline with a finding,
// GPS and a sample, signed and synced; afterwards its minutes are read-only on every device and
// on the server, while the sample's lab results can still be added.
#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

TEST_CASE("a signed inspection is read-only everywhere except its lab results", "[e2e][domain]") {
    const auto root = temp_dir("ocop-e2e-signed");
    const auto data = root / "server";
    add_user(data, "truong.doan", "mat-khau-truong-2026");
    add_user(data, "thanh.vien", "mat-khau-thanh-2026");
    const std::string unit = "0192a000-0000-7000-8000-0000000000aa";
    grant(data, "truong.doan", "team_lead", unit);
    grant(data, "thanh.vien", "inspector", unit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    Device lead{root / "lead"}, member{root / "member"};
    lead.login(server.url(), "truong.doan", "mat-khau-truong-2026");
    member.login(server.url(), "thanh.vien", "mat-khau-thanh-2026");

    server.stop();  // at the site: no signal
    const std::string inspection = lead.ok(
        {"put", "inspection", "kind=tourism_site", "site_name=Điểm du lịch cộng đồng Cồn Sơn",
         "started_at=2026-11-23T08:15:00+07:00", "status=draft", "gps_lat=10.0945",
         "gps_lon=105.7361", "gps_accuracy_m=6.5", "unit=" + unit})["id"];
    lead.ok({"put", "finding", "inspection=" + inspection, "severity=minor",
             "description=Bảng chỉ dẫn an toàn phòng cháy chưa đầy đủ.", "unit=" + unit});
    const std::string sample = lead.ok(
        {"put", "sample", "inspection=" + inspection, "sample_code=CS-2026-017", "lot=L11/2026",
         "seal_no=NP-00451", "taken_at_place=Bếp nhà hàng", "lab=Trung tâm kiểm nghiệm Cần Thơ",
         "result_status=pending", "unit=" + unit})["id"];
    server.start();
    REQUIRE(lead.cmd({"sync"}).exit_code == 0);
    REQUIRE(member.cmd({"sync"}).exit_code == 0);  // the member holds the draft

    // Offline again: the lead signs; the member, not knowing, edits the conclusion.
    server.stop();
    lead.ok({"put", "inspection", "--id", inspection, "status=signed",
             "signed_at=2026-11-23T11:00:00+07:00", "signed_by=truong.doan",
             "conclusion=Cơ sở duy trì các tiêu chí; khắc phục biển báo trong 30 ngày."});
    member.ok({"put", "inspection", "--id", inspection, "conclusion=Không đạt."});
    server.start();
    REQUIRE(lead.cmd({"sync"}).exit_code == 0);

    // The server refuses the member's edit of the signed minutes; the member's device reports
    // it, keeps it in its refused list, and shows the signed version again.
    const RunResult synced = member.cmd({"sync"});
    INFO(synced.err);
    REQUIRE(synced.exit_code == 0);
    const json report = json::parse(synced.out);
    REQUIRE(report["refusals"].size() == 1);
    CHECK(report["refusals"][0]["code"] == "ocop.inspection_signed");
    CHECK(member.ok({"refused"}).size() == 1);
    const json shown = member.ok({"get", "inspection", inspection});
    CHECK(shown["fields"]["status"] == "signed");
    CHECK(shown["fields"]["conclusion"] ==
          "Cơ sở duy trì các tiêu chí; khắc phục biển báo trong 30 ngày.");

    // Now that it knows, the member's device refuses such an edit before storing anything.
    const RunResult local =
        member.cmd({"put", "inspection", "--id", inspection, "conclusion=Sửa lại."});
    CHECK(local.exit_code == 1);
    CHECK(local.err.find("ocop.inspection_signed") != std::string::npos);

    // Lab results arrive later and are accepted on the signed inspection's sample.
    member.ok({"put", "sample", "--id", sample, "result_status=pass",
               "results_received_on=2026-12-02",
               "results:={\"coliforms_cfu_g\":12,\"salmonella\":\"không phát hiện\"}"});
    const RunResult after = member.cmd({"sync"});
    INFO(after.err);
    REQUIRE(after.exit_code == 0);
    CHECK(json::parse(after.out)["refusals"].empty());
    REQUIRE(lead.cmd({"sync"}).exit_code == 0);
    CHECK(lead.ok({"get", "sample", sample})["fields"]["result_status"] == "pass");
    CHECK(lead.ok({"status"})["fully_synced"] == true);
    server.stop();
    std::filesystem::remove_all(root);
}
