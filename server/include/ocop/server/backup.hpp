// Backups of a server's data directory (docs/storage.md, "Backups"): a consistent online copy of
// ocop.db, accounts.db and audit.db with SQLite's backup API while the server serves, and a
// restore that checks the copy before replacing anything and marks a new restore epoch.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ocop::server {

// Copies the data directory's databases into the new directory `to` (which must not exist):
// each file with sqlite3_backup, then PRAGMA integrity_check on the copy, then manifest.json.
// The directory appears complete or not at all (written under another name, then renamed).
nlohmann::json backup_data_dir(const std::string& data_dir, const std::string& to);

// Checks every file of the backup `from` (integrity_check), refuses while another process has
// the data directory's databases open (store.in_use), copies them back into `data_dir` and
// starts a new restore epoch in ocop.db, so that devices re-send what the server lacks.
nlohmann::json restore_data_dir(const std::string& data_dir, const std::string& from);

}  // namespace ocop::server
