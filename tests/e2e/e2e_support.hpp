// Shared steps of the end-to-end tests: users, devices driven through the ocop-field binary, and
// whole-store dumps for comparing replicas cell by cell.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
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

}  // namespace ocop::test
