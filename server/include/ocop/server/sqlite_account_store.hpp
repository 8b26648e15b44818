// AccountStore on SQLite (DIR/accounts.db, beside the data store): users, devices and grants
// (layout, and the migration of older files, in sqlite_account_store.cpp). One connection guarded
// by a mutex; the slow part of a login, PBKDF2, runs outside the lock so that logins never hold up
// syncs. The write most requests make, a device's "seen" (last_seen_ms moves on at most once a
// minute, and the previous token is let go once the new one is used), is grouped like the audit
// trail's: the requests of a burst share its commit instead of queueing one fsync each behind the
// connection's lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "ocop/core/group_commit.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/server/account_rules.hpp"
#include "ocop/server/account_store.hpp"
#include "ocop/server/tuning.hpp"

namespace ocop::server {

class SqliteAccountStore final : public AccountStore {
  public:
    // Opens or creates the database file. Throws Error(store.*) if it cannot.
    explicit SqliteAccountStore(const std::string& path, AccountStoreOptions options = {});

    void add_user(const std::string& name, std::string_view password) override;
    bool has_user(const std::string& name) override;
    std::vector<UserInfo> users() override;
    std::vector<DeviceInfo> devices() override;
    Enrollment enroll(const EnrollRequest& req) override;
    AuthResult authenticate(std::string_view token) override;
    void add_grant(const std::string& user, const sync::Grant& grant) override;
    bool remove_grant(const std::string& user, const sync::Grant& grant) override;
    std::vector<sync::Grant> grants(const std::string& user) override;
    void set_user_disabled(const std::string& user, bool disabled) override;
    void revoke_device(const std::string& device_id, const std::string& reason) override;
    void reinstate_device(const std::string& device_id) override;
    std::optional<DeviceInfo> device(const std::string& device_id) override;

  private:
    bool user_exists_locked(const std::string& name);
    std::vector<sync::Grant> grants_locked(const std::string& user);
    // A device seen with `token_hash` at `now_ms`; written only if that is still its token.
    struct SeenWrite {
        std::string device_id;
        std::string token_hash;
        int64_t now_ms = 0;
    };
    void write_seen(const std::vector<SeenWrite*>& batch);

    AccountStoreOptions options_;
    std::mutex mutex_;  // the connection is opened without SQLite's own mutex
    sqlite::Db db_;
    PasswordCheck password_check_{options_.pbkdf2_iterations};
    GroupCommit<SeenWrite> seen_writes_;
};

}  // namespace ocop::server
