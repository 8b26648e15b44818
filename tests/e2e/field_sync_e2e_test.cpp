// End to end with the real binaries: ocop-server on a free loopback port, ocop-admin, and
// ocop-field devices that edit while the server is down and then sync.
#include <set>

#include "cutting_proxy.hpp"
#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

namespace {

std::vector<std::string> inspection_fields(const std::string& site) {
    return {"kind=market_point", "site_name=" + site, "started_at=2026-11-20T08:00:00+07:00",
            "status=draft", "unit=" + kUnit};
}

json put(const Device& d, const std::string& collection, std::vector<std::string> fields,
         const std::string& id = {}) {
    std::vector<std::string> args = {"put", collection};
    if (!id.empty()) args.insert(args.end(), {"--id", id});
    args.insert(args.end(), fields.begin(), fields.end());
    return d.ok(args);
}

json sync(const Device& d, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"sync"};
    args.insert(args.end(), extra.begin(), extra.end());
    const RunResult r = d.cmd(args);
    INFO("sync stderr: " << r.err << " stdout: " << r.out);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("two devices edit offline, sync twice, and hold the same data as the server", "[e2e]") {
    const auto root = temp_dir("ocop-e2e-offline");
    const auto data = root / "server";
    add_user(data, "can.bo.an", "mat-khau-an-2026");
    add_user(data, "can.bo.binh", "mat-khau-binh-2026");
    grant(data, "can.bo.an", "inspector", kUnit);
    grant(data, "can.bo.binh", "inspector", kUnit);
    ServerProcess server(server_bin, data, free_port());
    server.start();

    Device a{root / "phone-a"}, b{root / "phone-b"};
    a.login(server.url(), "can.bo.an", "mat-khau-an-2026");
    b.login(server.url(), "can.bo.binh", "mat-khau-binh-2026");

    // A shared record both devices know before going offline.
    const std::string shared = put(a, "inspection", inspection_fields("Chợ Long Xuyên"))["id"];
    sync(a);
    sync(b);
    REQUIRE(b.ok({"get", "inspection", shared})["fields"]["site_name"] == "Chợ Long Xuyên");

    server.stop();  // the link is gone: both devices work offline

    put(a, "inspection", {"gps_lat=10.3861", "gps_lon=105.4352"}, shared);       // field set of A
    put(b, "inspection", {"conclusion=Đạt yêu cầu về nhãn hàng hóa."}, shared);  // field set of B
    put(a, "inspection", {"site_name=Chợ Long Xuyên (khu B)"}, shared);          // same field...
    put(b, "inspection", {"site_name=Chợ Mỹ Xuyên"}, shared);                    // ...by both
    const std::string only_a = put(a, "inspection", inspection_fields("HTX Tân Hiệp"))["id"];
    const std::string only_b = put(b, "inspection", inspection_fields("Cồn Sơn"))["id"];
    // An offline sync fails honestly and keeps everything pending.
    const RunResult offline = a.cmd({"sync"});
    CHECK(offline.exit_code == 3);
    CHECK(a.ok({"status"})["pending"] == 3);
    CHECK(a.ok({"status"})["fully_synced"] == false);

    server.start();
    for (int round = 0; round < 2; ++round) {
        sync(a);
        sync(b);
    }

    const json ra = a.ok({"get", "inspection", shared});
    const json rb = b.ok({"get", "inspection", shared});
    CHECK(ra == rb);
    CHECK(ra["fields"]["gps_lat"] == 10.3861);
    CHECK(ra["fields"]["conclusion"] == "Đạt yêu cầu về nhãn hàng hóa.");
    // B wrote site_name after A did (later HLC), so B's value is current on every replica.
    CHECK(ra["fields"]["site_name"] == "Chợ Mỹ Xuyên");
    CHECK(a.ok({"get", "inspection", only_b})["fields"]["site_name"] == "Cồn Sơn");
    CHECK(b.ok({"get", "inspection", only_a})["fields"]["site_name"] == "HTX Tân Hiệp");
    CHECK(a.ok({"status"})["fully_synced"] == true);
    CHECK(b.ok({"status"})["fully_synced"] == true);

    // Both officers set site_name without seeing the other's value: the loser is kept in a
    // conflict record on every replica until a person chooses.
    const json conflicts_a = a.ok({"conflicts"});
    REQUIRE(conflicts_a.size() == 1);
    CHECK(conflicts_a == b.ok({"conflicts"}));
    const json& conflict = conflicts_a[0]["fields"];
    CHECK(conflict["record_id"] == shared);
    CHECK(conflict["field"] == "site_name");
    std::set<std::string> competing;
    for (const auto& v : conflict["values"]) competing.insert(v["value"].get<std::string>());
    CHECK(competing == std::set<std::string>{"Chợ Long Xuyên (khu B)", "Chợ Mỹ Xuyên"});
    bool names_b = false;
    for (const auto& v : conflict["values"]) names_b = names_b || v["user"] == "can.bo.binh";
    CHECK(names_b);

    server.stop();
    const CellDump on_server = dump_server_cells(data);
    const CellDump on_a = dump_cells(a.db());
    const CellDump on_b = dump_cells(b.db());
    CHECK(on_a.size() == on_server.size());
    CHECK(on_a == on_server);
    CHECK(on_b == on_server);

    // A resolves the conflict with A's value; after syncing, everyone has it and nothing is open.
    server.start();
    a.ok({"resolve", conflicts_a[0]["id"], "--value", "Chợ Long Xuyên (khu B)"});
    sync(a);
    sync(b);
    CHECK(b.ok({"get", "inspection", shared})["fields"]["site_name"] == "Chợ Long Xuyên (khu B)");
    CHECK(b.ok({"conflicts"}).empty());
    CHECK(a.ok({"conflicts"}).empty());
    server.stop();
    std::filesystem::remove_all(root);
}

TEST_CASE("cut connections mid-push and mid-pull resume without loss or duplication", "[e2e]") {
    const auto root = temp_dir("ocop-e2e-cuts");
    const auto data = root / "server";
    add_user(data, "to.kiem.tra", "mat-khau-doan-2026");
    grant(data, "to.kiem.tra", "inspector", kUnit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    CuttingProxy proxy(server.port());
    const std::string via_proxy = "http://127.0.0.1:" + std::to_string(proxy.port());

    Device a{root / "phone-a"}, b{root / "phone-b"};
    a.login(via_proxy, "to.kiem.tra", "mat-khau-doan-2026");
    b.login(via_proxy, "to.kiem.tra", "mat-khau-doan-2026");
    for (int i = 0; i < 20; ++i)
        put(a, "inspection", inspection_fields("Điểm bán số " + std::to_string(i)));

    SECTION("push cut after 300 bytes of the request: retried, applied once") {
        proxy.cut_next(CuttingProxy::Cut::request_after_bytes, 300);
        const json report = sync(a);
        CHECK(report["complete"] == true);
        CHECK(report["failed_attempts"] == 1);
        CHECK(report["pushed"] == 20);
    }
    SECTION("answer lost after the server applied the push: the retry is a duplicate") {
        proxy.cut_next(CuttingProxy::Cut::before_answer);
        const json report = sync(a);
        CHECK(report["complete"] == true);
        CHECK(report["failed_attempts"] == 1);
        CHECK(report["pushed"] == 20);  // the retry's answers are the stored outcomes
    }
    CHECK(proxy.cuts_done() == 1);
    CHECK(a.ok({"status"})["pending"] == 0);

    // B pulls everything in pages of 7 cells, with one answer cut half-way.
    proxy.cut_next(CuttingProxy::Cut::answer_after_bytes, 400);
    const json pulled = sync(b, {"--page-cells", "7"});
    CHECK(pulled["complete"] == true);
    CHECK(pulled["failed_attempts"] == 1);
    CHECK(pulled["pulled"] == 20 * 5);
    CHECK(pulled["requests"].get<int>() >= 20 * 5 / 7);  // 100 cells in pages of 7
    CHECK(proxy.cuts_done() == 2);

    server.stop();
    const CellDump on_server = dump_server_cells(data);
    CHECK(on_server.size() == 20 * 5);  // every field of every record exactly once
    CHECK(dump_cells(a.db()) == on_server);
    CHECK(dump_cells(b.db()) == on_server);
    {
        // Exactly once: the server recorded each of A's 20 changesets once.
        const AppliedChangesets applied = applied_changesets_of(data.string());
        CHECK(applied.count == 20);
        CHECK(applied.distinct == 20);
    }
    std::filesystem::remove_all(root);
}
