// AuditLog on PostgreSQL: the entries of every server process in one table of the data store's
// schema (layout in pg_audit_log.cpp). Ids come from one sequence, so they increase in the order
// entries were appended, across processes too; an append is one statement, all or nothing.
#pragma once

#include <string>

#include "ocop/postgres/pg_pool_handle.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/server/audit_log.hpp"

namespace ocop::pg {

// The audit layout this build writes (meta key "audit_layout"); a newer one is refused.
inline constexpr int audit_layout = 1;

class PgAuditLog final : public server::AuditLog {
  public:
    // Connects and creates the table if missing, in store.schema. Throws Error(store.*), and
    // store.layout_too_new for a schema written by a newer server.
    explicit PgAuditLog(const StoreOptions& store);
    // The same in the data store's schema, on its connections. `data` must outlive this log.
    explicit PgAuditLog(PgStore& data);

    void append(std::vector<server::AuditEntry> entries) override;
    // At most tuning::max_audit_query_rows entries, whatever query.limit says.
    std::vector<server::AuditEntry> query(const server::AuditQuery& query) override;

  private:
    PgAuditLog(PoolHandle pool, const std::string& schema);

    PoolHandle pool_;
};

}  // namespace ocop::pg
