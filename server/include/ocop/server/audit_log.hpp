// The audit trail: one entry per changeset a device pushed (applied, refused or a duplicate of
// one already received) and one per sync request refused before its changesets were looked at
// (revoked device, disabled user, expired token, wrong replica). Administrators query it with
// `ocop-admin audit`. SqliteAuditLog (sqlite_audit_log.hpp) keeps it in DIR/audit.db, PgAuditLog
// (ocop/postgres/pg_audit_log.hpp) on PostgreSQL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ocop::server {

struct AuditEntry {
    int64_t id = 0;           // assigned by the log, increasing
    int64_t received_ms = 0;  // when the server received the request (unix ms)
    std::string user;         // empty when the token was unknown
    std::string device_id;
    std::string replica;
    std::string remote_address;  // the peer's IP address
    uint64_t seq = 0;            // the changeset's sequence number; 0 for a refused request
    // "applied", "refused" (the changeset, by a rule or a permission), "duplicate" (received
    // before: the stored outcome was returned again) or "rejected" (the whole request).
    std::string outcome;
    std::string code;      // the refusal's stable code; empty when applied
    std::string message;   // the refusal's message
    uint64_t changes = 0;  // field changes in the changeset
};

struct AuditQuery {
    std::optional<std::string> user;
    std::optional<std::string> device_id;
    std::optional<std::string> outcome;
    std::optional<int64_t> since_ms;  // received_ms >= since
    std::optional<int64_t> until_ms;  // received_ms < until
    size_t limit = 1000;              // newest first
};

// What a request sent is quoted in messages (a parse error shows the bytes it stopped at) and
// may be any bytes; every AuditLog keeps only valid UTF-8 without NUL, every other byte written as
// \xNN,
// so that whatever reads the trail back (ocop-admin audit prints JSON) can show it.
std::string audit_text(const std::string& text);

class AuditLog {
  public:
    virtual ~AuditLog() = default;
    // Appends entries in one durable transaction (ids assigned in order). Throws Error(store.*).
    virtual void append(std::vector<AuditEntry> entries) = 0;
    // Matching entries, newest first.
    virtual std::vector<AuditEntry> query(const AuditQuery& query) = 0;
};

}  // namespace ocop::server
