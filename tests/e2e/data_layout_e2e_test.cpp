// An upgrade with the real binaries: the data directory the previous release left
// (tests/fixtures/data-layout-1, made by that release's ocop-server, ocop-admin and ocop-field)
// is opened by this ocop-server, which migrates it in place and says so in its log, then serves
// its records to a device of the fixture's user; ocop-admin reads its audit trail. The same
// directory marked with a newer layout makes ocop-server exit 65 and ocop-admin exit 1, each
// with one line naming store.layout_too_new and the release needed.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "e2e_support.hpp"
#include "ocop/core/sqlite_db.hpp"

using namespace ocop::test;
namespace fs = std::filesystem;

namespace {

constexpr int kExitDataError = 65;  // EX_DATAERR
const fs::path kFixture = fs::path(OCOP_FIXTURES_DIR) / "data-layout-1" / "data";

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

size_t lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE(
    "a data directory of the previous release is migrated and served, and a newer one refused",
    "[e2e][layout][sqlite]") {
    const auto root = temp_dir("ocop-e2e-layout");
    const auto data = root / "server";
    fs::copy(kFixture, data, fs::copy_options::recursive);
    REQUIRE_FALSE(fs::exists(data / "data-layout"));
    // Read from a copy of its own: opening a store migrates its file, and the fixture stays as
    // the old release left it.
    fs::copy(kFixture / "ocop.db", root / "fixture-ocop.db");
    const std::set<std::string> written = inspections(dump_cells(root / "fixture-ocop.db"));
    REQUIRE(written.size() == 3);  // the inspector's three; the refused one was never stored

    ServerProcess server(server_bin, data, free_port());
    server.capture_output("notice");
    server.start();
    Device phone{root / "phone"};
    phone.login(server.url(), "can.bo.xa", "mat-khau-xa-2026");
    const RunResult synced = phone.cmd({"sync", "--backoff-ms", "50"});
    INFO("sync: " << synced.err);
    REQUIRE(synced.exit_code == 0);
    const std::set<std::string> pulled = inspections(dump_cells(phone.db()));
    REQUIRE(server.stop() == 0);

    const std::string log = server.output();
    INFO("server log:\n" << log);
    CHECK_THAT(log, Catch::Contains("has data layout 1; migrating it in place to layout 3"));
    CHECK_THAT(log, Catch::Contains("data layout 1 -> 2: audit.db: index audit_by_outcome"));
    CHECK_THAT(log, Catch::Contains("data layout 2 -> 3: ocop.db: column cells.scope"));
    CHECK_THAT(log, Catch::Contains("ocop.db: every cell's scope (its record's 'unit') written"));
    CHECK_THAT(slurp(data / "data-layout"), Catch::StartsWith("ocop-data-layout 3\n"));
    // The device of the fixture's inspector gets every inspection the old server stored.
    CHECK(pulled == written);

    const RunResult refused =
        run(admin_bin, {"--data", data.string(), "audit", "--outcome", "refused"});
    INFO("audit: " << refused.err);
    REQUIRE(refused.exit_code == 0);
    const auto entries = nlohmann::json::parse(refused.out);
    REQUIRE(entries.size() == 1);
    CHECK(entries[0]["user"] == "can.bo.khac");

    // A later release moved the directory on.
    std::ofstream(data / "data-layout", std::ios::trunc) << "ocop-data-layout 4\nrelease 0.9.0\n";
    const RunResult start = run(server_bin, {"--data", data.string(), "--plain-http", "--port",
                                             std::to_string(free_port())});
    INFO("server stdout: " << start.out << "\nstderr: " << start.err);
    CHECK(start.exit_code == kExitDataError);
    CHECK(start.out.find("listening") == std::string::npos);
    CHECK(lines(start.err) == 1);
    CHECK_THAT(start.err, Catch::Contains("refusing to start: store.layout_too_new: " +
                                          data.string() + " has data layout 4"));
    CHECK_THAT(start.err, Catch::Contains("install ocop 0.9.0 or newer"));

    const RunResult listed = run(admin_bin, {"--data", data.string(), "user", "list"});
    CHECK(listed.exit_code == 1);
    CHECK(lines(listed.err) == 1);
    CHECK_THAT(listed.err, Catch::StartsWith("ocop-admin: store.layout_too_new: "));
    CHECK_THAT(listed.err, Catch::Contains("install ocop 0.9.0 or newer"));
    fs::remove_all(root);
}
