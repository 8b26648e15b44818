// AccountStore on PostgreSQL: users, devices and grants in the schema of the server's data store
// (layout in pg_account_store.cpp), shared by every server process of a province. The rules are
// those of SqliteAccountStore (account_rules.hpp); what differs is how writes stay correct when
// several processes serve the same device at once: a token is rotated or its last_seen moved
// under the lock of its device row (SELECT ... FOR UPDATE), one row per transaction so that no
// two requests can deadlock, and the enrolment of a new replica is arbitrated by its UNIQUE key.
// As in SQLite, PBKDF2 runs outside any transaction and without holding a connection.
#pragma once

#include <string>

#include "ocop/postgres/pg_pool_handle.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/server/account_rules.hpp"
#include "ocop/server/account_store.hpp"

namespace ocop::pg {

// The accounts layout this build writes (meta key "accounts_layout"); a newer one is refused.
inline constexpr int accounts_layout = 1;

class PgAccountStore final : public server::AccountStore {
  public:
    // Connects and creates the tables if missing, in store.schema. Throws Error(store.*), and
    // store.layout_too_new for a schema written by a newer server.
    explicit PgAccountStore(const StoreOptions& store, server::AccountStoreOptions options = {});
    // The same in the data store's schema, on its connections (no pool of its own). `data` must
    // outlive this store.
    explicit PgAccountStore(PgStore& data, server::AccountStoreOptions options = {});

    void add_user(const std::string& name, std::string_view password) override;
    bool has_user(const std::string& name) override;
    std::vector<server::UserInfo> users() override;
    std::vector<server::DeviceInfo> devices() override;
    server::Enrollment enroll(const server::EnrollRequest& req) override;
    server::AuthResult authenticate(std::string_view token) override;
    void add_grant(const std::string& user, const sync::Grant& grant) override;
    bool remove_grant(const std::string& user, const sync::Grant& grant) override;
    std::vector<sync::Grant> grants(const std::string& user) override;
    void set_user_disabled(const std::string& user, bool disabled) override;
    void revoke_device(const std::string& device_id, const std::string& reason) override;
    void reinstate_device(const std::string& device_id) override;
    std::optional<server::DeviceInfo> device(const std::string& device_id) override;

  private:
    PgAccountStore(PoolHandle pool, const std::string& schema, server::AccountStoreOptions options);

    server::AccountStoreOptions options_;
    PoolHandle pool_;
    server::PasswordCheck password_check_{options_.pbkdf2_iterations};
};

}  // namespace ocop::pg
