// The data directory's layout (data_layout.hpp): a new directory is marked with the current
// layout; a directory of layout 1, as the previous release left it (tests/fixtures/data-layout-1,
// made by that release's binaries), is migrated in place step by step with every record,
// account and audit entry kept; a migration interrupted after its step committed finishes when
// run again; a directory marked newer is refused by the server, ocop-admin and the store
// opening alike before anything in it is touched; a marker that is not one is store.corrupt; and
// backups carry the layout so that a restore rolls a newer directory back.
#include <algorithm>
#include <sstream>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/server/admin_cli.hpp"
#include "ocop/server/backup.hpp"
#include "ocop/server/data_layout.hpp"
#include "ocop/server/server.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
namespace fs = std::filesystem;

namespace {

const fs::path kFixture = fs::path(OCOP_FIXTURES_DIR) / "data-layout-1" / "data";

// A copy of the layout 1 fixture, to migrate without changing the checked-in files.
fs::path copy_fixture(const TempDir& dir) {
    const fs::path data = dir.path() / "data";
    fs::copy(kFixture, data, fs::copy_options::recursive);
    return data;
}

int64_t scalar(const fs::path& db_file, const std::string& sql) {
    ocop::sqlite::Db db(db_file.string(), ocop::sqlite::Durability::normal, 1);
    auto q = db.prepare(sql);
    REQUIRE(q.step());
    return q.int64(0);
}

std::string marker_of(const fs::path& data) {
    return read_file(data / data_layout_file);
}

void write_marker(const fs::path& data, const std::string& text) {
    std::ofstream(data / data_layout_file, std::ios::binary | std::ios::trunc) << text;
}

struct AdminRun {
    int status;
    std::string out, err;
};

AdminRun admin(const std::vector<std::string>& args) {
    std::istringstream in;
    std::ostringstream out, err;
    const int status = run_admin(args, AdminIo{in, out, err, false}, kTestIterations);
    return {status, out.str(), err.str()};
}

ServerOptions options_for(const fs::path& data) {
    ServerOptions o;
    o.data_dir = data.string();
    o.pbkdf2_iterations = kTestIterations;
    o.plain_http = true;
    o.port = 0;
    return o;
}

}  // namespace

TEST_CASE("the layout 1 fixture is what the previous release left", "[server][layout]") {
    // The test below is only worth something if the fixture really is of the old layout.
    REQUIRE(fs::exists(kFixture / "ocop.db"));
    CHECK_FALSE(fs::exists(kFixture / data_layout_file));
    CHECK(data_layout_of(kFixture.string()) == 1);
    CHECK(scalar(kFixture / "audit.db", "PRAGMA user_version") == 1);
    CHECK(scalar(kFixture / "accounts.db", "PRAGMA user_version") == 2);
    CHECK(scalar(kFixture / "ocop.db", "SELECT value FROM meta WHERE key = 'store_format'") == 1);
}

TEST_CASE("a new data directory is marked with the current layout, atomically",
          "[server][layout]") {
    TempDir dir("ocop-layout-new");
    const fs::path data = dir.path() / "data";
    fs::create_directories(data);
    CHECK(data_layout_of(data.string()) == 0);
    // ocop-admin does not mark a directory without databases (a mistyped --data, perhaps).
    CHECK(admin({"--data", data.string(), "user", "list"}).status == 1);
    CHECK(fs::is_empty(data));
    std::vector<std::string> log;
    const LayoutUpgrade up =
        upgrade_data_layout(data.string(), [&](const std::string& l) { log.push_back(l); });
    CHECK(up.from == 0);
    CHECK(up.to == data_layout_version);
    CHECK(up.steps.empty());
    CHECK(log.empty());  // nothing was migrated: nothing to tell
    CHECK(marker_of(data) == "ocop-data-layout " + std::to_string(data_layout_version) +
                                 "\nrelease " + OCOP_VERSION + "\n");
    CHECK(fs::directory_iterator(data)->path().filename() == data_layout_file);  // nothing beside
    CHECK(data_layout_of(data.string()) == data_layout_version);

    // A server on it creates its stores at their current versions.
    { Server server(options_for(data)); }
    CHECK(scalar(data / "audit.db", "PRAGMA user_version") == 2);

    // A directory that does not exist is left alone: whatever opens it creates it.
    const LayoutUpgrade none = upgrade_data_layout((dir.path() / "absent").string(), {});
    CHECK(none.from == 0);
    CHECK(none.to == 0);
    CHECK_FALSE(fs::exists(dir.path() / "absent"));
}

TEST_CASE("the server migrates a layout 1 directory in place and keeps everything in it",
          "[server][layout]") {
    TempDir dir("ocop-layout-migrate");
    const fs::path data = copy_fixture(dir);
    const int64_t cells = scalar(data / "ocop.db", "SELECT COUNT(*) FROM cells");
    const int64_t audit_rows = scalar(data / "audit.db", "SELECT COUNT(*) FROM audit");
    REQUIRE(cells > 0);
    REQUIRE(audit_rows >= 2);

    std::vector<std::string> log;
    const LayoutUpgrade up =
        upgrade_data_layout(data.string(), [&](const std::string& l) { log.push_back(l); });
    CHECK(up.from == 1);
    CHECK(up.to == 3);
    REQUIRE(up.steps.size() == 2);
    CHECK_THAT(up.steps[0],
               Catch::StartsWith("data layout 1 -> 2: audit.db: index audit_by_outcome"));
    CHECK_THAT(up.steps[1],
               Catch::StartsWith("data layout 2 -> 3: ocop.db: column cells.scope and index "
                                 "cells_by_scope (scope, seq); store_format 2"));
    REQUIRE(log.size() == 3);  // "migrating ..." and the steps
    CHECK_THAT(log[0], Catch::Contains("has data layout 1; migrating it in place to layout 3"));
    CHECK(log[1] == up.steps[0]);
    CHECK(log[2] == up.steps[1]);
    CHECK(data_layout_of(data.string()) == 3);
    CHECK(scalar(data / "ocop.db", "SELECT value FROM meta WHERE key = 'store_format'") == 2);
    CHECK(scalar(data / "ocop.db",
                 "SELECT COUNT(*) FROM sqlite_master WHERE name = 'cells_by_scope'") == 1);
    CHECK(scalar(data / "audit.db", "PRAGMA user_version") == 2);
    CHECK(scalar(data / "audit.db",
                 "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_by_outcome'") == 1);

    // Everything is still there, and the server serves it.
    CHECK(scalar(data / "ocop.db", "SELECT COUNT(*) FROM cells") == cells);
    CHECK(scalar(data / "audit.db", "SELECT COUNT(*) FROM audit") == audit_rows);
    Server server(options_for(data));
    CHECK(server.store().head() > 0);
    // The server's first open wrote every cell's scope, with nothing else changed.
    CHECK(scalar(data / "ocop.db", "SELECT COUNT(*) FROM cells WHERE scope IS NULL") == 0);
    CHECK(scalar(data / "ocop.db", "SELECT COUNT(*) FROM cells") == cells);
    std::vector<std::string> users;
    for (const auto& u : server.accounts().users()) users.push_back(u.name);
    CHECK(users == std::vector<std::string>{"can.bo.khac", "can.bo.xa"});
    CHECK(server.accounts().devices().size() == 2);
    AuditQuery refused;
    refused.outcome = "refused";
    const auto refusals = server.audit().query(refused);
    REQUIRE(refusals.size() == 1);
    CHECK(refusals[0].user == "can.bo.khac");
    CHECK(refusals[0].code == ocop::errc::perm_unit_not_covered);

    // The new index is what answers "the newest refusals".
    {
        ocop::sqlite::Db db((data / "audit.db").string(), ocop::sqlite::Durability::normal, 1);
        auto plan = db.prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM audit WHERE 1 AND outcome = 'refused' ORDER BY "
            "received_ms DESC, id DESC LIMIT 10");
        std::string detail;
        while (plan.step()) detail += std::string(plan.text(3)) + "; ";
        CHECK_THAT(detail, Catch::Contains("audit_by_outcome"));
    }
}

TEST_CASE("a migration interrupted after its step committed finishes when run again",
          "[server][layout]") {
    TempDir dir("ocop-layout-crash");
    const fs::path data = copy_fixture(dir);
    // The steps' own transactions committed (audit.db at version 2, ocop.db at store_format 2),
    // the crash came before the marker was replaced: the directory still says layout 1.
    { SqliteAuditLog log((data / "audit.db").string()); }
    { ocop::SqliteStore store((data / "ocop.db").string()); }
    REQUIRE(scalar(data / "audit.db", "PRAGMA user_version") == 2);
    REQUIRE(scalar(data / "ocop.db", "SELECT value FROM meta WHERE key = 'store_format'") == 2);
    REQUIRE(data_layout_of(data.string()) == 1);
    // A marker written half way by the crashed process is never read.
    std::ofstream(data / (std::string(data_layout_file) + ".4242.partial")) << "ocop-data-lay";

    std::vector<std::string> log;
    const LayoutUpgrade up =
        upgrade_data_layout(data.string(), [&](const std::string& l) { log.push_back(l); });
    CHECK(up.from == 1);
    CHECK(up.to == 3);
    CHECK(up.steps.empty());  // the steps found their files done: nothing changed, nothing told
    CHECK(log.empty());
    CHECK(data_layout_of(data.string()) == 3);
    CHECK(scalar(data / "audit.db", "PRAGMA user_version") == 2);
    CHECK(marker_of(data) == "ocop-data-layout 3\nrelease " + std::string(OCOP_VERSION) + "\n");
    // And the next open has nothing to do.
    const LayoutUpgrade again = upgrade_data_layout(data.string(), [](const std::string&) {});
    CHECK(again.from == 3);
    CHECK(again.steps.empty());
}

TEST_CASE("a data directory of a newer layout is refused, saying which release it needs",
          "[server][layout]") {
    TempDir dir("ocop-layout-newer");
    const fs::path data = copy_fixture(dir);
    write_marker(data, "ocop-data-layout 4\nrelease 0.9.0\nsome-key a later release reads\n");
    const auto before = fs::last_write_time(data / "audit.db");

    const std::string message = error_message_of([&] { data_layout_of(data.string()); });
    CHECK(error_code_of([&] { data_layout_of(data.string()); }) ==
          ocop::errc::store_layout_too_new);
    CHECK_THAT(message,
               Catch::Contains(data.string() + " has data layout 4 (written by ocop 0.9.0)"));
    CHECK_THAT(message, Catch::Contains("reads layouts up to 3"));
    CHECK_THAT(message, Catch::Contains("install ocop 0.9.0 or newer"));

    CHECK(error_code_of([&] { upgrade_data_layout(data.string(), {}); }) ==
          ocop::errc::store_layout_too_new);
    CHECK(error_code_of([&] { Server server(options_for(data)); }) ==
          ocop::errc::store_layout_too_new);
    const AdminRun listed = admin({"--data", data.string(), "user", "list"});
    CHECK(listed.status == 1);
    CHECK(listed.out.empty());
    CHECK_THAT(listed.err, Catch::StartsWith("ocop-admin: store.layout_too_new: "));
    CHECK(std::count(listed.err.begin(), listed.err.end(), '\n') == 1);

    // Nothing was touched: not the old audit.db, not its version, not the marker.
    CHECK(fs::last_write_time(data / "audit.db") == before);
    CHECK(scalar(data / "audit.db", "PRAGMA user_version") == 1);
    CHECK(scalar(data / "ocop.db", "SELECT value FROM meta WHERE key = 'store_format'") == 1);
    CHECK_THAT(marker_of(data), Catch::StartsWith("ocop-data-layout 4\n"));

    // Without a release line, the message names the layout needed.
    write_marker(data, "ocop-data-layout 7\n");
    CHECK_THAT(error_message_of([&] { data_layout_of(data.string()); }),
               Catch::Contains("install a release that reads data layout 7"));
}

TEST_CASE("a data layout marker that is not one is store.corrupt", "[server][layout]") {
    TempDir dir("ocop-layout-bad");
    const fs::path data = dir.path();
    for (const std::string& text :
         {std::string(), std::string("hello\n"), std::string("ocop-data-layout\n"),
          std::string("ocop-data-layout two\n"), std::string("ocop-data-layout 0\n"),
          std::string("ocop-data-layout -1\n"), std::string("ocop-data-layout 99999999999999\n"),
          std::string(5000, '7')}) {
        write_marker(data, text);
        INFO("marker: " << text.substr(0, 40));
        CHECK(error_code_of([&] { data_layout_of(data.string()); }) == ocop::errc::store_corrupt);
    }
}

TEST_CASE("a backup carries its layout, and a restore rolls a newer directory back to it",
          "[server][layout]") {
    TempDir dir("ocop-layout-backup");
    const fs::path data = copy_fixture(dir);
    upgrade_data_layout(data.string(), {});
    const fs::path saved = dir.path() / "backup";
    const auto manifest = backup_data_dir(data.string(), saved.string());
    CHECK(manifest["data_layout"] == 3);

    // A later release moved the directory on; rolling back to this one restores the backup, and
    // the marker is the backup's again.
    write_marker(data, "ocop-data-layout 4\nrelease 0.9.0\n");
    const AdminRun restored = admin({"--data", data.string(), "restore", "--from", saved.string()});
    INFO(restored.err);
    REQUIRE(restored.status == 0);
    CHECK(data_layout_of(data.string()) == 3);
    { Server server(options_for(data)); }

    // A backup of a layout 1 directory (made before the layout was recorded) restores as layout
    // 1, and the next open migrates it again.
    auto old_manifest = nlohmann::json::parse(read_file(saved / "manifest.json"));
    old_manifest.erase("data_layout");
    std::ofstream(saved / "manifest.json", std::ios::trunc) << old_manifest.dump();
    {
        ocop::sqlite::Db copy((saved / "audit.db").string(), ocop::sqlite::Durability::normal, 1);
        copy.exec("DROP INDEX audit_by_outcome");
        copy.exec("PRAGMA user_version = 1");
        copy.exec("PRAGMA journal_mode=DELETE");  // as backups are: one self-contained file
    }
    REQUIRE(admin({"--data", data.string(), "restore", "--from", saved.string()}).status == 0);
    CHECK(data_layout_of(data.string()) == 1);
    CHECK(upgrade_data_layout(data.string(), {}).steps.size() == 1);
    CHECK(scalar(data / "audit.db", "PRAGMA user_version") == 2);

    // A backup of a newer layout is refused before the directory is touched.
    old_manifest["data_layout"] = 4;
    std::ofstream(saved / "manifest.json", std::ios::trunc) << old_manifest.dump();
    const AdminRun newer = admin({"--data", data.string(), "restore", "--from", saved.string()});
    CHECK(newer.status == 1);
    CHECK_THAT(newer.err, Catch::Contains("store.layout_too_new"));
    CHECK(data_layout_of(data.string()) == 3);
}
