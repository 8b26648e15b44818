// The audit log: entries come back as appended, newest first, filtered by user, device, outcome
// and time window, capped in number, and survive reopening the file. On SQLite here and on
// PostgreSQL in ocop_pg_account_tests (account_backend.hpp); the file's layout only on SQLite.
#include "account_backend.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#include "ocop/server/tuning.hpp"
#include "server_test_support.hpp"

#include <vector>

using namespace ocop::server;
using namespace ocop::server::test;

namespace {

AuditEntry entry(int64_t received_ms, const std::string& user, const std::string& device,
                 const std::string& outcome, uint64_t seq = 1) {
    AuditEntry e;
    e.received_ms = received_ms;
    e.user = user;
    e.device_id = device;
    e.replica = "replica-" + device;
    e.remote_address = "10.0.0.7";
    e.seq = seq;
    e.outcome = outcome;
    if (outcome != "applied") {
        e.code = "perm.unit_not_covered";
        e.message = "xã Tân Hiệp is not in your units";
    }
    e.changes = 12;
    return e;
}

}  // namespace

TEST_CASE("the audit log keeps every field and answers newest first", "[server][audit]") {
    AccountsPlace place("ocop-audit");
    {
        const auto opened = place.audit();
        AuditLog& log = *opened;
        CHECK(log.query({}).empty());
        log.append({entry(1'000, "can.bo.an", "dev-a", "applied", 1),
                    entry(3'000, "can.bo.an", "dev-a", "refused", 2)});
        // Appended later but received earlier (a slow request): ordered by reception time.
        log.append({entry(2'000, "can.bo.binh", "dev-b", "duplicate", 7)});
        log.append({});  // nothing to do
    }
    const auto opened = place.audit();  // reopened: everything was committed
    AuditLog& log = *opened;
    const auto all = log.query({});
    REQUIRE(all.size() == 3);
    CHECK(all[0].received_ms == 3'000);
    CHECK(all[1].received_ms == 2'000);
    CHECK(all[2].received_ms == 1'000);
    // Ids increase in the order of appending.
    CHECK(all[2].id < all[0].id);
    CHECK(all[0].id < all[1].id);

    const AuditEntry& refused = all[0];
    CHECK(refused.user == "can.bo.an");
    CHECK(refused.device_id == "dev-a");
    CHECK(refused.replica == "replica-dev-a");
    CHECK(refused.remote_address == "10.0.0.7");
    CHECK(refused.seq == 2);
    CHECK(refused.outcome == "refused");
    CHECK(refused.code == "perm.unit_not_covered");
    CHECK(refused.message == "xã Tân Hiệp is not in your units");
    CHECK(refused.changes == 12);
    CHECK(all[2].code.empty());
}

TEST_CASE("audit queries filter by user, device, outcome and time, and are capped",
          "[server][audit]") {
    AccountsPlace place("ocop-audit-query");
    const auto opened = place.audit();
    AuditLog& log = *opened;
    std::vector<AuditEntry> batch;
    // 40 entries at t = 0, 100, ..., 3900; users alternate, devices cycle over 4, outcomes over 4.
    const std::vector<std::string> outcomes = {"applied", "refused", "duplicate", "rejected"};
    for (int i = 0; i < 40; ++i)
        batch.push_back(entry(i * 100, i % 2 ? "can.bo.binh" : "can.bo.an",
                              "dev-" + std::to_string(i % 4), outcomes[(i / 4) % 4],
                              static_cast<uint64_t>(i)));
    log.append(batch);

    AuditQuery q;
    q.user = "can.bo.binh";
    auto got = log.query(q);
    CHECK(got.size() == 20);
    for (const auto& e : got) CHECK(e.user == "can.bo.binh");

    q = {};
    q.device_id = "dev-2";
    got = log.query(q);
    REQUIRE(got.size() == 10);
    for (const auto& e : got) CHECK(e.device_id == "dev-2");
    CHECK(got.front().received_ms == 3'800);  // newest first within a filter too

    q = {};
    q.outcome = "rejected";
    got = log.query(q);
    CHECK(got.size() == 8);  // i / 4 % 4 == 3: i / 4 is 3 or 7
    for (const auto& e : got) CHECK(e.outcome == "rejected");

    // [since, until): since is included, until is not.
    q = {};
    q.since_ms = 1'000;
    q.until_ms = 1'500;
    got = log.query(q);
    REQUIRE(got.size() == 5);
    CHECK(got.front().received_ms == 1'400);
    CHECK(got.back().received_ms == 1'000);

    // Filters combine.
    q = {};
    q.user = "can.bo.an";
    q.device_id = "dev-0";
    q.outcome = "applied";
    q.since_ms = 0;
    got = log.query(q);
    std::vector<int64_t> times;
    for (const auto& e : got) times.push_back(e.received_ms);
    // dev-0 is i = 0, 4, 8, ...; "applied" is i / 4 % 4 == 0: i = 0 and 16 and 32.
    CHECK(times == std::vector<int64_t>{3'200, 1'600, 0});

    q = {};
    q.limit = 3;
    got = log.query(q);
    REQUIRE(got.size() == 3);
    CHECK(got[0].received_ms == 3'900);
    CHECK(got[2].received_ms == 3'700);
    q.limit = 0;
    CHECK(log.query(q).empty());
    q.user = "nobody";
    q.limit = 10;
    CHECK(log.query(q).empty());
}

TEST_CASE("an audit query never returns more than the cap", "[server][audit]") {
    AccountsPlace place("ocop-audit-cap");
    const auto opened = place.audit();
    AuditLog& log = *opened;
    std::vector<AuditEntry> batch;
    const size_t n = tuning::max_audit_query_rows + 50;
    for (size_t i = 0; i < n; ++i)
        batch.push_back(entry(static_cast<int64_t>(i), "can.bo.an", "dev-a", "applied", i + 1));
    log.append(batch);
    AuditQuery q;
    q.limit = n;
    const auto got = log.query(q);
    REQUIRE(got.size() == tuning::max_audit_query_rows);
    CHECK(got.front().seq == n);  // the newest ones
    CHECK(got.back().seq == n - tuning::max_audit_query_rows + 1);
}

#ifndef OCOP_TEST_ACCOUNTS_PG  // audit.db itself; PostgreSQL: tests/postgres/
TEST_CASE("an audit file of a newer layout is refused, not misread", "[server][audit]") {
    TempDir dir("ocop-audit-version");
    const std::string file = (dir.path() / "audit.db").string();
    { SqliteAuditLog log(file); }
    {
        ocop::sqlite::Db raw(file, ocop::sqlite::Durability::normal);
        raw.exec("PRAGMA user_version = 99");
    }
    CHECK(error_code_of([&] { SqliteAuditLog log(file); }) ==
          ocop::errc::schema_version_unsupported);
}
#endif
