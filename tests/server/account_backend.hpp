// Where a test's account store and audit log live. The contract tests of both
// (account_store_test.cpp, audit_log_test.cpp) are built twice: into ocop_server_tests on SQLite
// (files in a temporary directory), and into ocop_pg_account_tests (tests/postgres/) with
// OCOP_TEST_ACCOUNTS_PG, where every place is a fresh schema of the throwaway PostgreSQL cluster.
// Opening a place again reaches the same data, as reopening the same files does.
#pragma once

#include <memory>
#include <string>

#include "ocop/server/account_store.hpp"
#include "ocop/server/audit_log.hpp"
#include "server_test_support.hpp"

#ifdef OCOP_TEST_ACCOUNTS_PG
#include "ocop/postgres/pg_account_store.hpp"
#include "ocop/postgres/pg_audit_log.hpp"
#include "test_backend.hpp"
#else
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"
#endif

namespace ocop::server::test {

// 2026-11-23 00:00 UTC (07:00 in Vietnam): the account tests' clock starts here.
inline constexpr int64_t kT0 = 1'795'392'000'000;
inline constexpr int64_t kDay = 86'400'000;

// An enrolment of `replica` by `user` from the same phone model and app every time.
inline EnrollRequest enroll_req(const std::string& user, const std::string& password,
                                const std::string& replica) {
    return EnrollRequest{user, password, replica, "Samsung A15", "ocop-field/0.1.0"};
}

class AccountsPlace {
  public:
    explicit AccountsPlace(const std::string& name) : dir_(name) {
#ifdef OCOP_TEST_ACCOUNTS_PG
        const auto url = ocop::test::test_pg_url();
        if (!url) throw std::runtime_error("OCOP_TEST_PG_URL_FILE is not set");
        pg_.url = *url;
        pg_.schema = ocop::test::fresh_pg_schema();
        pg_.max_connections = 2;
#endif
    }

    std::unique_ptr<AccountStore> accounts(AccountStoreOptions options) const {
#ifdef OCOP_TEST_ACCOUNTS_PG
        return std::make_unique<ocop::pg::PgAccountStore>(pg_, std::move(options));
#else
        return std::make_unique<SqliteAccountStore>((dir_.path() / "accounts.db").string(),
                                                    std::move(options));
#endif
    }

    std::unique_ptr<AuditLog> audit() const {
#ifdef OCOP_TEST_ACCOUNTS_PG
        return std::make_unique<ocop::pg::PgAuditLog>(pg_);
#else
        return std::make_unique<SqliteAuditLog>((dir_.path() / "audit.db").string());
#endif
    }

#ifdef OCOP_TEST_ACCOUNTS_PG
    const ocop::pg::StoreOptions& pg() const {
        return pg_;
    }
#endif

  private:
    TempDir dir_;
#ifdef OCOP_TEST_ACCOUNTS_PG
    ocop::pg::StoreOptions pg_;
#endif
};

}  // namespace ocop::server::test
