// Layout (meta key audit_layout = 1): the columns of audit.db (sqlite_audit_log.cpp), with the
// same four indexes, each ending in id so that it also yields (received_ms, id) order.
// Entries are never updated or deleted by the server.
#include "ocop/postgres/pg_audit_log.hpp"

#include <algorithm>

#include "ocop/postgres/pg_layout.hpp"
#include "ocop/postgres/pg_text_array.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::pg {

using namespace ocop::server;

namespace {

constexpr const char* kAuditTables = R"sql(
CREATE TABLE IF NOT EXISTS audit(
    id bigserial PRIMARY KEY,
    received_ms bigint NOT NULL,
    "user" text COLLATE "C" NOT NULL,
    device_id text COLLATE "C" NOT NULL,
    replica text COLLATE "C" NOT NULL,
    remote_address text NOT NULL,
    seq bigint NOT NULL,
    outcome text COLLATE "C" NOT NULL,
    code text NOT NULL,
    message text NOT NULL,
    changes bigint NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit(received_ms, id);
CREATE INDEX IF NOT EXISTS audit_by_user ON audit("user", received_ms, id);
CREATE INDEX IF NOT EXISTS audit_by_device ON audit(device_id, received_ms, id);
CREATE INDEX IF NOT EXISTS audit_by_outcome ON audit(outcome, received_ms, id);
)sql";

constexpr Layout kAuditLayout{"audit_layout", audit_layout, kAuditTables, "audit"};

// All entries in one statement: ids are drawn in the order of the arrays.
const Statement kAppend{
    "audit_append",
    "INSERT INTO audit(received_ms, \"user\", device_id, replica, remote_address, seq, outcome, "
    "code, message, changes) SELECT a, b, c, d, e, f, g, h, i, j FROM unnest($1::bigint[], "
    "$2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], "
    "$9::text[], $10::bigint[]) WITH ORDINALITY AS u(a, b, c, d, e, f, g, h, i, j, n) ORDER BY n"};

}  // namespace

PgAuditLog::PgAuditLog(const StoreOptions& store) : PgAuditLog(PoolHandle(store), store.schema) {}

PgAuditLog::PgAuditLog(PgStore& data) : PgAuditLog(PoolHandle(data), data.options().schema) {}

PgAuditLog::PgAuditLog(PoolHandle pool, const std::string& schema) : pool_(std::move(pool)) {
    auto c = pool_.acquire();
    ensure_layout(*c, schema, kAuditLayout);
}

void PgAuditLog::append(std::vector<AuditEntry> entries) {
    if (entries.empty()) return;
    std::vector<std::vector<std::string>> columns(10);
    for (const AuditEntry& e : entries) {
        columns[0].push_back(std::to_string(e.received_ms));
        columns[1].push_back(audit_text(e.user));
        columns[2].push_back(audit_text(e.device_id));
        columns[3].push_back(audit_text(e.replica));
        columns[4].push_back(audit_text(e.remote_address));
        columns[5].push_back(std::to_string(static_cast<int64_t>(e.seq)));
        columns[6].push_back(audit_text(e.outcome));
        columns[7].push_back(audit_text(e.code));
        columns[8].push_back(audit_text(e.message));
        columns[9].push_back(std::to_string(static_cast<int64_t>(e.changes)));
    }
    std::vector<Param> params;
    for (const auto& column : columns) params.emplace_back(text_array(column));
    auto c = pool_.acquire();
    c->run(kAppend, params);
}

std::vector<AuditEntry> PgAuditLog::query(const AuditQuery& q) {
    const size_t limit = std::min(q.limit, tuning::max_audit_query_rows);
    std::vector<AuditEntry> out;
    if (limit == 0) return out;
    std::string sql =
        "SELECT id, received_ms, \"user\", device_id, replica, remote_address, seq, outcome, "
        "code, message, changes FROM audit WHERE true";
    std::vector<Param> params;
    const auto where = [&](const char* column_op, std::string value) {
        params.emplace_back(std::move(value));
        sql += std::string(" AND ") + column_op + " $" + std::to_string(params.size());
    };
    if (q.user) where("\"user\" =", *q.user);
    if (q.device_id) where("device_id =", *q.device_id);
    if (q.outcome) where("outcome =", *q.outcome);
    if (q.since_ms) where("received_ms >=", std::to_string(*q.since_ms));
    if (q.until_ms) where("received_ms <", std::to_string(*q.until_ms));
    params.emplace_back(std::to_string(limit));
    sql += " ORDER BY received_ms DESC, id DESC LIMIT $" + std::to_string(params.size());

    auto c = pool_.acquire();
    const Result r = c->query(sql, params);
    for (int i = 0; i < r.rows(); ++i) {
        AuditEntry e;
        e.id = r.i64(i, 0);
        e.received_ms = r.i64(i, 1);
        e.user = std::string(r.text(i, 2));
        e.device_id = std::string(r.text(i, 3));
        e.replica = std::string(r.text(i, 4));
        e.remote_address = std::string(r.text(i, 5));
        e.seq = static_cast<uint64_t>(r.i64(i, 6));  // stored as SQLite does
        e.outcome = std::string(r.text(i, 7));
        e.code = std::string(r.text(i, 8));
        e.message = std::string(r.text(i, 9));
        e.changes = static_cast<uint64_t>(r.i64(i, 10));
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace ocop::pg
