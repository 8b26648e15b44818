// The SDK as an app meets it after a restart: open a device store that holds a commune's
// records and run the first query, in a fresh process each time (nothing cached in it; the
// file may be in the OS page cache, as on a phone that ran the app recently), through the C ABI.
// Usage: ocop-sdk-bench [--records N] [--runs K]
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.hpp"
#include "ocop/sdk/ocop_sdk.h"

extern char** environ;

namespace {

using ocop::bench::figure;
using ocop::bench::Stopwatch;

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "ocop-sdk-bench: %s\n", why.c_str());
    std::exit(1);
}

void check(ocop_error* err, const char* what) {
    if (!err) return;
    die(std::string(what) + ": " + ocop_error_get_message(err, nullptr));
}

// A commune's store: `records` inspections of one unit, written in transactions of 200.
void fill(const std::string& path, size_t records) {
    ocop_error* err = nullptr;
    ocop_db* db = ocop_db_open(path.c_str(), &err);
    check(err, "open");
    const std::string unit = "01900000-0000-7000-8000-000000000001";
    for (size_t done = 0; done < records;) {
        nlohmann::json puts = nlohmann::json::array();
        for (size_t i = 0; i < 200 && done < records; ++i, ++done)
            puts.push_back({{"collection", "inspection"},
                            {"fields",
                             {{"kind", done % 2 ? "tourism_site" : "market_point"},
                              {"site_name", "Điểm kiểm tra số " + std::to_string(done)},
                              {"started_at", "2026-11-23T08:00:00+07:00"},
                              {"status", "draft"},
                              {"gps_lat", 10.38 + static_cast<double>(done % 97) / 1000.0},
                              {"gps_lon", 105.43},
                              {"unit", unit}}}});
        char* out =
            ocop_db_write_json(db, nlohmann::json{{"put", puts}}.dump().c_str(), nullptr, &err);
        check(err, "write");
        ocop_string_free(out);
    }
    ocop_db_close(db, nullptr);
}

// In the child: open, first page of 50 market points, close; prints the two times in ms.
int measure(const std::string& path) {
    ocop_error* err = nullptr;
    const Stopwatch open_watch;
    ocop_db* db = ocop_db_open(path.c_str(), &err);
    check(err, "open");
    const double open_ms = open_watch.seconds() * 1000;
    const Stopwatch query_watch;
    size_t len = 0;
    char* page =
        ocop_db_list_json(db, "inspection", "{\"kind\":\"market_point\"}", 50, nullptr, &len, &err);
    check(err, "list");
    const double query_ms = query_watch.seconds() * 1000;
    if (!std::strstr(page, "\"more\":true")) die("the first page is not cut at 50");
    ocop_string_free(page);
    ocop_db_close(db, nullptr);
    std::printf("%.3f %.3f\n", open_ms, query_ms);
    return 0;
}

std::pair<double, double> run_child(const std::string& self, const std::string& path) {
    int pipe_fd[2];
    if (pipe(pipe_fd) != 0) die("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fd[0]);
    std::vector<std::string> args = {self, "--measure", path};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const Stopwatch process_watch;
    if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ) != 0)
        die("cannot start " + self);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fd[1]);
    char buffer[128] = {0};
    const ssize_t n = read(pipe_fd[0], buffer, sizeof buffer - 1);
    close(pipe_fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) die("the measuring child failed");
    double open_ms = 0, query_ms = 0;
    if (std::sscanf(buffer, "%lf %lf", &open_ms, &query_ms) != 2) die("unreadable child output");
    return {open_ms, query_ms};
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "--measure") return measure(argv[2]);
    size_t records = 20000, runs = 9;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--records" || a == "--runs") && i + 1 < argc) {
            const long v = std::strtol(argv[++i], nullptr, 10);
            if (v <= 0) die(a + " takes a positive number");
            (a == "--records" ? records : runs) = static_cast<size_t>(v);
        } else {
            die("unknown argument '" + a + "' (use --records N, --runs K)");
        }
    }
    const auto dir = ocop::bench::fresh_temp_dir("ocop-sdk-bench");
    const std::string path = (dir / "device.db").string();
    const Stopwatch fill_watch;
    fill(path, records);
    std::printf("ocop-sdk-bench: a device store of %zu inspections (%.1f s to write), %zu runs\n",
                records, fill_watch.seconds(), runs);
    std::vector<double> opens, queries, totals;
    for (size_t r = 0; r < runs; ++r) {
        const auto [open_ms, query_ms] = run_child("/proc/self/exe", path);
        opens.push_back(open_ms);
        queries.push_back(query_ms);
        totals.push_back(open_ms + query_ms);
    }
    figure("open (median)", median(opens), "ms");
    figure("first query: 50 of a filtered list (median)", median(queries), "ms");
    figure("open + first query (median)", median(totals), "ms");
    figure("open + first query (worst)", *std::max_element(totals.begin(), totals.end()), "ms");
    std::filesystem::remove_all(dir);
    return 0;
}
