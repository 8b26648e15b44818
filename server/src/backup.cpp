#include "ocop/server/backup.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/server/blob_store.hpp"
#include "ocop/server/data_layout.hpp"
#include "ocop/sync/sync_service.hpp"

namespace ocop::server {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "ocop-backup/1";
// ocop.db first: it must be present; the others exist once a user was added or a sync audited.
const std::vector<std::string> kFiles = {"ocop.db", "accounts.db", "audit.db"};

std::string check_integrity(sqlite::Db& db) {
    auto q = db.prepare("PRAGMA integrity_check");
    std::string out;
    while (q.step()) out += (out.empty() ? "" : "; ") + std::string(q.text(0));
    return out;
}

// Copies the whole database `from` into `to` with the online backup API, in one step: one read
// transaction of the source, so the copy is consistent and (WAL) writers are not held up.
void copy_database(sqlite3* from, sqlite3* to, const std::string& what) {
    sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) sqlite::throw_sqlite(to, sqlite3_errcode(to), "backup " + what);
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) sqlite::throw_sqlite(to, rc, "backup " + what);
}

// A backup file opened read-only and left as it is (sqlite::Db would switch it to WAL).
class ReadOnly {
  public:
    explicit ReadOnly(const std::string& path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
        if (rc != SQLITE_OK) {
            sqlite3_close(db_);
            db_ = nullptr;
            throw Error(ErrorKind::internal, errc::store_io,
                        "open " + path + ": " + sqlite3_errstr(rc));
        }
    }
    ReadOnly(const ReadOnly&) = delete;
    ReadOnly& operator=(const ReadOnly&) = delete;
    ~ReadOnly() { sqlite3_close(db_); }
    sqlite3* handle() const { return db_; }
    std::string integrity() const {
        sqlite::Stmt q(db_, "PRAGMA integrity_check");
        std::string out;
        while (q.step()) out += (out.empty() ? "" : "; ") + std::string(q.text(0));
        return out;
    }

  private:
    sqlite3* db_ = nullptr;
};

std::string meta_of(sqlite::Db& db, const char* key) {
    auto q = db.prepare("SELECT value FROM meta WHERE key=?1");
    q.bind(1, key);
    return q.step() ? std::string(q.text(0)) : std::string();
}

}  // namespace

nlohmann::json backup_data_dir(const std::string& data_dir, const std::string& to) {
    const fs::path data(data_dir);
    if (!fs::exists(data / "ocop.db"))
        throw Error(ErrorKind::not_found, errc::store_io,
                    "no data store at " + (data / "ocop.db").string() + " (wrong --data?)");
    if (fs::exists(to))
        throw Error(ErrorKind::conflict, errc::store_io,
                    to + " exists already: a backup goes into a new directory");
    const fs::path partial = fs::path(to).string() + ".partial";
    fs::remove_all(partial);
    fs::create_directories(partial);
    nlohmann::json files = nlohmann::json::object();
    // The layout goes with the files: a restore puts it back, so that a newer release migrates
    // the restored files again and an older one refuses a backup it cannot read.
    nlohmann::json manifest = {{"format", kFormat},
                               {"created_ms", system_physical_clock()()},
                               {"data_layout", std::max(data_layout_of(data_dir), 1)}};
    for (const auto& name : kFiles) {
        if (!fs::exists(data / name)) continue;
        const std::string target = (partial / name).string();
        {
            sqlite::Db source((data / name).string(), sqlite::Durability::full, 8);
            sqlite::Db copy(target, sqlite::Durability::full, 8);
            copy_database(source.handle(), copy.handle(), name);
            if (name == "ocop.db") {
                manifest["server_id"] = meta_of(copy, "server.id");
                manifest["epoch"] = meta_of(copy, sync::server_epoch_meta_key);
                auto head = copy.prepare("SELECT IFNULL(MAX(seq), 0) FROM cells");
                head.step();
                manifest["head"] = head.int64(0);
            }
            copy.exec("PRAGMA journal_mode=DELETE");  // one self-contained file
            const std::string integrity = check_integrity(copy);
            if (integrity != "ok")
                throw Error(ErrorKind::internal, errc::store_corrupt,
                            "the copy of " + name + " fails integrity_check: " + integrity);
        }
        files[name] = {{"bytes", fs::file_size(target)}, {"integrity", "ok"}};
    }
    manifest["files"] = files;
    // Blobs are content-addressed and never change: copied as they are, each checked against
    // its name on the way (a blob uploaded during the copy may or may not be in it, as with
    // records written during it).
    const BlobTotals blobs =
        copy_blobs((data / blobs_dir_name).string(), (partial / blobs_dir_name).string());
    manifest["blobs"] = {{"count", blobs.count}, {"bytes", blobs.bytes}};
    std::ofstream(partial / "manifest.json") << manifest.dump(2) << "\n";
    fs::rename(partial, to);
    manifest["backup"] = to;
    return manifest;
}

nlohmann::json restore_data_dir(const std::string& data_dir, const std::string& from) {
    const fs::path backup(from);
    const fs::path data(data_dir);
    nlohmann::json manifest;
    {
        std::ifstream in(backup / "manifest.json");
        if (!in)
            throw Error(ErrorKind::not_found, errc::store_io,
                        "no manifest.json in " + from + ": not an ocop-admin backup");
        manifest = nlohmann::json::parse(in, nullptr, false);
        if (!manifest.is_object() || manifest.value("format", "") != kFormat ||
            !manifest.contains("files") || !manifest["files"].contains("ocop.db"))
            throw Error(ErrorKind::invalid_input, errc::store_corrupt,
                        from + "/manifest.json is not an " + std::string(kFormat) + " manifest");
    }
    // A backup made before the layout was recorded is of layout 1 (data_layout.hpp).
    const nlohmann::json layout_field = manifest.value("data_layout", nlohmann::json(1));
    if (!layout_field.is_number_integer() || layout_field.get<int64_t>() < 1)
        throw Error(ErrorKind::invalid_input, errc::store_corrupt,
                    from + "/manifest.json has a data_layout that is not a layout number");
    const int64_t layout = layout_field.get<int64_t>();
    if (layout > data_layout_version)
        throw Error(ErrorKind::internal, errc::store_layout_too_new,
                    "the backup " + from + " has data layout " + std::to_string(layout) +
                        "; this release (ocop " + OCOP_VERSION + ") reads layouts up to " +
                        std::to_string(data_layout_version) +
                        ": restore it with the release that made it, or newer");
    // Every file of the backup is checked before anything in the data directory is touched.
    std::vector<std::string> names;
    for (const auto& name : kFiles) {
        if (!manifest["files"].contains(name)) continue;
        const fs::path file = backup / name;
        if (!fs::exists(file))
            throw Error(ErrorKind::not_found, errc::store_corrupt,
                        "the backup lacks " + name + ", which its manifest lists");
        const std::string integrity = ReadOnly(file.string()).integrity();
        if (integrity != "ok")
            throw Error(ErrorKind::internal, errc::store_corrupt,
                        "the backup's " + name + " fails integrity_check: " + integrity);
        names.push_back(name);
    }
    fs::create_directories(data);
    // Each live database is taken in exclusive locking mode: that fails while any other process
    // (a running ocop-server) has it open, and keeps everyone out until the copy is in place.
    std::vector<std::unique_ptr<sqlite::Db>> live;
    for (const auto& name : names) {
        auto db = std::make_unique<sqlite::Db>((data / name).string(), sqlite::Durability::full, 8);
        sqlite3_busy_timeout(db->handle(), 0);
        db->exec("PRAGMA locking_mode=EXCLUSIVE");
        try {
            db->exec("BEGIN EXCLUSIVE");
            db->exec("COMMIT");
        } catch (const Error&) {
            throw Error(ErrorKind::conflict, errc::store_in_use,
                        (data / name).string() +
                            " is open in another process: stop ocop-server (and any ocop-admin) "
                            "on this data directory before restoring");
        }
        live.push_back(std::move(db));
    }
    for (size_t i = 0; i < names.size(); ++i) {
        const ReadOnly source((backup / names[i]).string());
        copy_database(source.handle(), live[i]->handle(), names[i]);
    }
    live.clear();
    // Blobs of the backup join those of the directory: the restored records reference the
    // former, and a blob uploaded since harms nobody (it is only reachable through a record).
    const BlobTotals blobs =
        copy_blobs((backup / blobs_dir_name).string(), (data / blobs_dir_name).string());
    // A new epoch: devices that synced with the server after the backup re-send what they
    // retained and pull everything again (docs/guarantees.md §12).
    std::string epoch;
    {
        SqliteStore store((data / "ocop.db").string(), sqlite::Durability::full, 8);
        epoch = sync::begin_new_epoch(store, store.meta(sync::server_epoch_meta_key).value_or(""));
        const std::string integrity = store.integrity_check();
        if (integrity != "ok")
            throw Error(ErrorKind::internal, errc::store_corrupt,
                        "the restored ocop.db fails integrity_check: " + integrity);
    }
    // Last: the files are now those of the backup's layout (a directory of a newer release, rolled
    // back, is marked as the backup was). The next open migrates them, if they are older.
    write_data_layout(data_dir, static_cast<int>(layout));
    return {{"restored", from},
            {"data", data_dir},
            {"data_layout", layout},
            {"files", names},
            {"blobs", {{"count", blobs.count}, {"bytes", blobs.bytes}}},
            {"server_id", manifest.value("server_id", "")},
            {"epoch", epoch},
            {"backup_created_ms", manifest.value("created_ms", int64_t{0})}};
}

}  // namespace ocop::server
