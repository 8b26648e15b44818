// The real ocop-server on a data directory whose ocop.db or accounts.db has garbage in its pages
// (what a failing disk or a crash on a lying disk leaves): it refuses to start, exits non-zero
// (65, EX_DATAERR) with one line on stderr naming the file and saying to restore a backup, and
// serves nothing. The same directory with the intact files (the backup) starts.
#include <fstream>

#include "e2e_support.hpp"

using namespace ocop::test;

namespace {

constexpr int kExitDataError = 65;  // EX_DATAERR (sysexits.h), Poco's EXIT_DATAERR
constexpr std::streamoff kPage = 4096;

std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Garbage over pages first..last (1-based) of `file`, within its current size.
void scribble(const std::filesystem::path& file, int64_t first, int64_t last) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(f);
    const std::string garbage(static_cast<size_t>(kPage), '\xC3');
    for (int64_t p = first; p <= last; ++p) {
        f.seekp((p - 1) * kPage);
        f.write(garbage.data(), kPage);
    }
    REQUIRE(f.good());
}

}  // namespace

TEST_CASE("the server refuses to start on a damaged ocop.db or accounts.db",
          "[e2e][disk][sqlite]") {
    const auto data = temp_dir("ocop-e2e-corrupt") / "server";
    add_user(data, "can.bo.xa", "mat-khau-xa-2026");
    {  // one clean run creates every file; the clean stop leaves no WAL behind
        ServerProcess server(server_bin, data, free_port());
        server.start();
        REQUIRE(server.stop() == 0);
    }
    const std::string name = GENERATE(as<std::string>{}, "ocop.db", "accounts.db");
    const auto file = data / name;
    const std::string intact = slurp(file);
    const auto pages = static_cast<int64_t>(intact.size() / kPage);
    REQUIRE(pages >= 2);
    // ocop.db: its table pages, header intact; accounts.db: its header page.
    if (name == "ocop.db")
        scribble(file, 2, pages);
    else
        scribble(file, 1, 1);

    const int port = free_port();
    const RunResult r =
        run(server_bin, {"--data", data.string(), "--plain-http", "--port", std::to_string(port)});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == kExitDataError);
    CHECK(r.out.find("listening") == std::string::npos);  // never served
    CHECK_THAT(r.err, Catch::Contains("refusing to start: store.corrupt"));
    CHECK_THAT(r.err, Catch::Contains(file.string() + " is damaged"));
    CHECK_THAT(r.err, Catch::Contains("Restore it from the latest backup"));

    // The backup put back: the server starts and serves.
    std::ofstream(file, std::ios::binary | std::ios::trunc) << intact;
    ServerProcess restored(server_bin, data, port);
    restored.start();
    CHECK(restored.stop() == 0);
}
