// AuditLog on SQLite (DIR/audit.db, beside the data store): one table of entries (layout in
// sqlite_audit_log.cpp), WAL with synchronous=FULL so that an entry the server appended survives
// a crash or power loss. One connection guarded by a mutex; ocop-admin reads the same file from
// another process while the server appends. Appends of concurrent requests share one commit
// (group commit): each returns once its entries are durable, and a burst of pushes pays one
// fsync per batch instead of one per request.
#pragma once

#include <mutex>
#include <string>

#include "ocop/core/group_commit.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/server/audit_log.hpp"

namespace ocop::server {

class SqliteAuditLog final : public AuditLog {
  public:
    // Opens or creates the database file. Throws Error(store.*) if it cannot.
    explicit SqliteAuditLog(const std::string& path);

    void append(std::vector<AuditEntry> entries) override;
    // At most tuning::max_audit_query_rows entries, whatever query.limit says.
    std::vector<AuditEntry> query(const AuditQuery& query) override;

  private:
    void write(const std::vector<std::vector<AuditEntry>*>& batch);

    std::mutex mutex_;  // the connection is opened without SQLite's own mutex
    sqlite::Db db_;
    GroupCommit<std::vector<AuditEntry>> appends_;
};

}  // namespace ocop::server
