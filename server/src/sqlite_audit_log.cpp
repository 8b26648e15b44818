// Layout of audit.db (PRAGMA user_version = 2):
//   audit(id INTEGER PK, received_ms, user, device_id, replica, remote_address, seq, outcome,
//         code, message, changes)
// Indexes: (received_ms), (user, received_ms), (device_id, received_ms), (outcome, received_ms):
// every query is "newest first", optionally for one user, one device or one outcome, optionally
// within a time window. The row id is the last column of every SQLite index, so each of them also
// yields (received_ms, id) order. Without the outcome index, "the last refusals" read the trail
// backwards until enough were found: all of it, when refusals are rare.
// Version 1 (without audit_by_outcome) is migrated in place when the file is opened, in the
// transaction that reads the version (data layout 2, data_layout.hpp).
// Entries are never updated or deleted by the server.
#include "ocop/server/sqlite_audit_log.hpp"

#include <algorithm>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

namespace {

constexpr int kAuditLayoutVersion = 2;

constexpr const char* kCreateAuditTables = R"sql(
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    received_ms INTEGER NOT NULL,
    user TEXT NOT NULL,
    device_id TEXT NOT NULL,
    replica TEXT NOT NULL,
    remote_address TEXT NOT NULL,
    seq INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    changes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit(received_ms);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit(user, received_ms);
CREATE INDEX IF NOT EXISTS audit_by_device ON audit(device_id, received_ms);
CREATE INDEX IF NOT EXISTS audit_by_outcome ON audit(outcome, received_ms);
)sql";

using Txn = sqlite::ImmediateTxn;

}  // namespace

SqliteAuditLog::SqliteAuditLog(const std::string& path)
    : db_(path, sqlite::Durability::full, /*cache_mib=*/8),
      appends_([this](const std::vector<std::vector<AuditEntry>*>& batch,
                      std::vector<std::exception_ptr>&) { write(batch); },
               tuning::max_audit_appends_per_commit) {
    Txn txn(db_);
    // Every statement is IF NOT EXISTS: on a new file it creates all, on a version 1 file it adds
    // what version 2 added (audit_by_outcome).
    if (sqlite::layout_version(db_, path, kAuditLayoutVersion) < kAuditLayoutVersion) {
        db_.exec(kCreateAuditTables);
        sqlite::set_layout_version(db_, kAuditLayoutVersion);
    }
    txn.commit();
}

void SqliteAuditLog::append(std::vector<AuditEntry> entries) {
    if (entries.empty()) return;
    appends_.run(entries);
}

// One transaction for every append of the batch: they succeed or fail together.
void SqliteAuditLog::write(const std::vector<std::vector<AuditEntry>*>& batch) {
    std::lock_guard lock(mutex_);
    Txn txn(db_);
    auto st = db_.reuse(
        "INSERT INTO audit(received_ms, user, device_id, replica, remote_address, seq, outcome, "
        "code, message, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const std::vector<AuditEntry>* entries : batch)
        for (const AuditEntry& e : *entries) {
            st.bind(1, e.received_ms)
                .bind(2, audit_text(e.user))
                .bind(3, audit_text(e.device_id))
                .bind(4, audit_text(e.replica))
                .bind(5, audit_text(e.remote_address))
                .bind(6, static_cast<int64_t>(e.seq))
                .bind(7, audit_text(e.outcome))
                .bind(8, audit_text(e.code))
                .bind(9, audit_text(e.message))
                .bind(10, static_cast<int64_t>(e.changes))
                .run();
        }
    txn.commit();
}

std::vector<AuditEntry> SqliteAuditLog::query(const AuditQuery& q) {
    const size_t limit = std::min(q.limit, tuning::max_audit_query_rows);
    std::vector<AuditEntry> out;
    if (limit == 0) return out;
    std::string sql =
        "SELECT id, received_ms, user, device_id, replica, remote_address, seq, outcome, code, "
        "message, changes FROM audit WHERE 1";
    if (q.user) sql += " AND user = :user";
    if (q.device_id) sql += " AND device_id = :device";
    if (q.outcome) sql += " AND outcome = :outcome";
    if (q.since_ms) sql += " AND received_ms >= :since";
    if (q.until_ms) sql += " AND received_ms < :until";
    sql += " ORDER BY received_ms DESC, id DESC LIMIT :limit";

    std::lock_guard lock(mutex_);
    auto st = db_.prepare(sql);
    int index = 0;
    if (q.user) st.bind(++index, *q.user);
    if (q.device_id) st.bind(++index, *q.device_id);
    if (q.outcome) st.bind(++index, *q.outcome);
    if (q.since_ms) st.bind(++index, *q.since_ms);
    if (q.until_ms) st.bind(++index, *q.until_ms);
    st.bind(++index, static_cast<int64_t>(limit));
    while (st.step()) {
        AuditEntry e;
        e.id = st.int64(0);
        e.received_ms = st.int64(1);
        e.user = std::string(st.text(2));
        e.device_id = std::string(st.text(3));
        e.replica = std::string(st.text(4));
        e.remote_address = std::string(st.text(5));
        e.seq = static_cast<uint64_t>(st.int64(6));
        e.outcome = std::string(st.text(7));
        e.code = std::string(st.text(8));
        e.message = std::string(st.text(9));
        e.changes = static_cast<uint64_t>(st.int64(10));
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace ocop::server
