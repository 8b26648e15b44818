#include "ocop/server/data_layout.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/server/sqlite_audit_log.hpp"

namespace ocop::server {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMagic = "ocop-data-layout";
constexpr std::streamsize kMaxMarkerBytes = 4096;  // two short lines; anything longer is not ours
const char* const kDatabases[] = {"ocop.db", "accounts.db", "audit.db"};

struct Marker {
    int layout = 0;
    std::string release;  // empty when the marker does not say
};

[[noreturn]] void bad_marker(const fs::path& file, const std::string& why) {
    throw Error(ErrorKind::internal, errc::store_corrupt,
                file.string() + " is not a data layout marker (" + why +
                    "); restore it from the latest backup or write it as docs/operations.md "
                    "shows");
}

Marker read_marker(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw Error(ErrorKind::internal, errc::store_io,
                    "cannot read " + file.string() + ": " + std::strerror(errno));
    std::string text(static_cast<size_t>(kMaxMarkerBytes) + 1, '\0');
    in.read(text.data(), kMaxMarkerBytes + 1);
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > static_cast<size_t>(kMaxMarkerBytes)) bad_marker(file, "too long");
    std::istringstream lines(text);
    std::string line;
    Marker m;
    bool first = true;
    while (std::getline(lines, line)) {
        const size_t space = line.find(' ');
        const std::string key = line.substr(0, space);
        const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
        if (first) {
            if (key != kMagic)
                bad_marker(file, "it does not start with '" + std::string(kMagic) + "'");
            uint64_t n = 0;
            try {
                n = stored_u64(value, "its layout");
            } catch (const Error& e) {
                bad_marker(file, e.what());
            }
            if (n < 1 || n > 1000000) bad_marker(file, "layout " + value + " is out of range");
            m.layout = static_cast<int>(n);
            first = false;
        } else if (key == "release") {
            m.release = value;
        }  // other lines: added by a later release, for it to read
    }
    if (first) bad_marker(file, "it is empty");
    return m;
}

bool has_databases(const fs::path& dir) {
    for (const char* name : kDatabases)
        if (fs::exists(dir / name)) return true;
    return false;
}

[[noreturn]] void io_error(const fs::path& file, const char* what) {
    throw Error(ErrorKind::internal, errc::store_io,
                std::string(what) + " " + file.string() + ": " + std::strerror(errno));
}

void fsync_path(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) io_error(path, "open");
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) io_error(path, "fsync");
}

// Layout 1 -> 2: audit.db gets its index by outcome. SqliteAuditLog's open does it, in one
// transaction that also sets audit.db's version to 2, and does nothing to a file already at 2: the
// store and the step share one piece of SQL, and a file restored from an older backup under a
// newer marker is brought up to date by the same open. Nothing to do (nullopt) when audit.db is
// absent (it is created at its current version) or already at version 2.
std::optional<std::string> step_audit_by_outcome(const fs::path& dir) {
    const fs::path file = dir / "audit.db";
    if (!fs::exists(file)) return std::nullopt;
    {
        sqlite::Db db(file.string(), sqlite::Durability::full, /*cache_mib=*/1);
        auto version = db.prepare("PRAGMA user_version");
        version.step();
        if (version.int64(0) >= 2) return std::nullopt;
    }
    SqliteAuditLog log(file.string());
    return "audit.db: index audit_by_outcome (outcome, received_ms); audit.db version 2";
}

// Layout 2 -> 3: ocop.db gets cells.scope and its index cells_by_scope (store_format 2).
// SqliteStore's open does it, in one transaction with the new format number, as for audit.db
// above; the scopes themselves are written when the server first opens the file with its scope
// index (SqliteStore::index_scopes), so ocop-admin migrating a directory needs no domain.
std::optional<std::string> step_cells_by_scope(const fs::path& dir) {
    const fs::path file = dir / "ocop.db";
    if (!fs::exists(file)) return std::nullopt;
    {
        sqlite::Db db(file.string(), sqlite::Durability::full, /*cache_mib=*/1);
        auto format = db.prepare("SELECT value FROM meta WHERE key='store_format'");
        if (format.step() && format.text(0) != "1") return std::nullopt;
    }
    SqliteStore store(file.string(), sqlite::Durability::full, /*cache_mib=*/8);
    return "ocop.db: column cells.scope and index cells_by_scope (scope, seq); store_format 2";
}

struct Step {
    int to;                                                  // the layout once this step is done
    std::optional<std::string> (*run)(const fs::path& dir);  // what it did, if anything
};

constexpr Step kSteps[] = {{2, step_audit_by_outcome}, {3, step_cells_by_scope}};
static_assert(sizeof(kSteps) / sizeof(kSteps[0]) == data_layout_version - 1,
              "one step per layout after 1");

}  // namespace

int data_layout_of(const std::string& dir_name) {
    const fs::path dir(dir_name);
    const fs::path file = dir / data_layout_file;
    if (!fs::exists(file)) return has_databases(dir) ? 1 : 0;
    const Marker m = read_marker(file);
    if (m.layout > data_layout_version) {
        const std::string needed =
            m.release.empty() ? "a release that reads data layout " + std::to_string(m.layout)
                              : "ocop " + m.release + " or newer";
        throw Error(ErrorKind::internal, errc::store_layout_too_new,
                    dir_name + " has data layout " + std::to_string(m.layout) +
                        (m.release.empty() ? "" : " (written by ocop " + m.release + ")") +
                        "; this release (ocop " + OCOP_VERSION + ") reads layouts up to " +
                        std::to_string(data_layout_version) + ": install " + needed +
                        ", or restore a backup made by this release (docs/operations.md, "
                        "Rollback)");
    }
    return m.layout;
}

void write_data_layout(const std::string& dir_name, int version) {
    const fs::path dir(dir_name);
    const fs::path file = dir / data_layout_file;
    // Named for this process: ocop-admin and the server may mark a directory at the same moment,
    // and each renames only its own file (the same text). One left by a crash is never read.
    const fs::path partial =
        dir / (std::string(data_layout_file) + "." + std::to_string(::getpid()) + ".partial");
    const std::string text =
        std::string(kMagic) + " " + std::to_string(version) + "\nrelease " + OCOP_VERSION + "\n";
    {
        const int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0) io_error(partial, "create");
        const bool written =
            ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        const bool synced = written && ::fsync(fd) == 0;
        ::close(fd);
        if (!synced) io_error(partial, written ? "fsync" : "write");
    }
    // rename() replaces the old marker in one step; the directory's fsync makes the new name
    // durable before a migration goes on to its next step.
    if (::rename(partial.c_str(), file.c_str()) != 0) io_error(file, "rename");
    fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

LayoutUpgrade upgrade_data_layout(const std::string& dir_name,
                                  const std::function<void(const std::string&)>& log) {
    const fs::path dir(dir_name);
    const auto say = [&](const std::string& line) {
        if (log) log(line);
    };
    LayoutUpgrade out;
    if (!fs::is_directory(dir)) return out;
    out.from = data_layout_of(dir_name);  // refuses a newer one before anything is touched
    out.to = out.from;
    if (out.from == data_layout_version) return out;
    if (out.from == 0) {  // nothing to migrate (the stores create their current layouts): silent
        write_data_layout(dir_name, data_layout_version);
        out.to = data_layout_version;
        return out;
    }
    // Only steps that change something are told: a directory whose files are already current
    // (made by this release's stores before it was marked: ocop-admin on a new directory) is
    // marked silently.
    for (const Step& step : kSteps) {
        if (step.to <= out.to) continue;
        const auto started = std::chrono::steady_clock::now();
        const std::optional<std::string> what = step.run(dir);
        write_data_layout(dir_name, step.to);
        if (what) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            if (out.steps.empty())
                say("data directory " + dir_name + " has data layout " + std::to_string(out.from) +
                    "; migrating it in place to layout " + std::to_string(data_layout_version));
            const std::string line = "data layout " + std::to_string(out.to) + " -> " +
                                     std::to_string(step.to) + ": " + *what + " (" +
                                     std::to_string(ms) + " ms)";
            say(line);
            out.steps.push_back(line);
        }
        out.to = step.to;
    }
    return out;
}

}  // namespace ocop::server
