// Shared steps of the end-to-end tests: users, devices driven through the ocop-field binary, and
// whole-store dumps for comparing replicas cell by cell.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "ocop/core/sqlite_store.hpp"
#include "process.hpp"
#include "test_backend.hpp"

namespace ocop::test {

inline const std::string server_bin = OCOP_SERVER_BIN;
inline const std::string admin_bin = OCOP_ADMIN_BIN;
inline const std::string field_bin = OCOP_FIELD_BIN;

// ocop-admin's arguments for the server of `data`, on the run's backend (test_backend.hpp).
inline std::vector<std::string> admin_args(const std::filesystem::path& data,
                                           std::vector<std::string> command) {
    std::vector<std::string> args = {"--data", data.string()};
    for (auto& a : server_database_args(pg_schema_for(std::filesystem::absolute(data).string())))
        args.push_back(std::move(a));
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

inline void add_user(const std::filesystem::path& data, const std::string& user,
                     const std::string& password) {
    const RunResult r = run(admin_bin, admin_args(data, {"user", "add", user}), password + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

// A role on a unit for `user` (docs/permissions.md). The unit need not exist in the server's
// store: the tests write records under fixed unit ids.
inline void grant(const std::filesystem::path& data, const std::string& user,
                  const std::string& role, const std::string& unit) {
    const RunResult r = run(
        admin_bin, admin_args(data, {"user", "grant", user, role, unit, "--allow-unknown-unit"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

struct Device {
    std::filesystem::path home;

    RunResult cmd(const std::vector<std::string>& args, const std::string& input = {}) const {
        std::vector<std::string> full = {"--home", home.string()};
        full.insert(full.end(), args.begin(), args.end());
        return run(field_bin, full, input);
    }
    // Runs a command that must succeed and returns its JSON output.
    nlohmann::json ok(const std::vector<std::string>& args, const std::string& input = {}) const {
        const RunResult r = cmd(args, input);
        INFO("ocop-field " << args.front() << " stderr: " << r.err);
        REQUIRE(r.exit_code == 0);
        return nlohmann::json::parse(r.out);
    }
    void login(const std::string& url, const std::string& user, const std::string& password) const {
        ok({"login", url, user}, password + "\n");
    }
    std::filesystem::path db() const { return home / "device.db"; }
};

// The commune the e2e tests write their records under (grant() allows an unknown unit).
inline const std::string kUnit = "0192a000-0000-7000-8000-000000000001";

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

inline void require_ok(const RunResult& r) {
    INFO("stderr: " << r.err << " stdout: " << r.out);
    REQUIRE(r.exit_code == 0);
}

// A draft market-point inspection under kUnit; its record id.
inline std::string put_inspection(const Device& d, const std::string& site) {
    return d.ok({"put", "inspection", "kind=market_point", "site_name=" + site,
                 "started_at=2026-11-20T08:00:00+07:00", "status=draft", "unit=" + kUnit})["id"];
}

inline void sync_ok(const Device& d) {
    const RunResult r = d.cmd({"sync", "--backoff-ms", "50"});
    INFO("sync stderr: " << r.err << " stdout: " << r.out);
    REQUIRE(r.exit_code == 0);
}

// (collection, id, field) -> (value as JSON text, stamp as text) of every cell in a store file.
using CellDump = std::map<std::tuple<std::string, std::string, std::string>,
                          std::pair<std::string, std::string>>;

inline CellDump dump_cells(Store& store) {
    CellDump out;
    uint64_t cursor = 0;
    while (true) {
        const ChangePage page = store.changes_since(cursor, 10000, 16 * 1024 * 1024);
        for (const auto& c : page.cells)
            out[{c.collection, c.record_id, c.field}] = {
                c.current.value.dump(),
                std::to_string(c.current.stamp.hlc.packed()) + "@" + c.current.stamp.replica};
        cursor = page.cursor;
        if (!page.more) break;
    }
    return out;
}

// Every cell of a device's store file.
inline CellDump dump_cells(const std::filesystem::path& db_file) {
    SqliteStore store(db_file.string());
    return dump_cells(store);
}

// Every cell the server of `data_dir` holds, on the run's backend (test_backend.hpp).
inline CellDump dump_server_cells(const std::filesystem::path& data_dir) {
    const auto store = open_server_store_of(data_dir.string());
    return dump_cells(*store);
}

// The inspection record ids among `cells`.
inline std::set<std::string> inspections(const CellDump& cells) {
    std::set<std::string> ids;
    for (const auto& [key, value] : cells)
        if (std::get<0>(key) == "inspection") ids.insert(std::get<1>(key));
    return ids;
}

}  // namespace ocop::test
