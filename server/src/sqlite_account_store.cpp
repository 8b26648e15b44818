// Layout of accounts.db (PRAGMA user_version = 2):
//   users(name PK, password_hash, created_ms, disabled)
//   devices(id PK, user -> users, replica UNIQUE, name, app_version, token_hash UNIQUE,
//           created_ms, last_seen_ms,
//           revoked_ms (NULL: not revoked), revoked_reason,
//           token_issued_ms, prev_token_hash, prev_token_valid_until_ms)
//   grants(user -> users, role, unit, granted_ms, PK(user, role, unit))
// token_hash is the lowercase hex SHA-256 of the token: a token has 256 random bits, so it can be
// looked up by its hash directly (no salt or stretching needed), and a copy of the file grants
// nothing. prev_token_hash is the token replaced by the last rotation, accepted until
// prev_token_valid_until_ms in case the answer carrying the new token was lost (docs/security.md,
// "Device tokens").
//
// Version 1 (users and devices without the revocation and rotation columns, no grants) is
// migrated in place when a file is opened: the columns and the table are added in one
// transaction, so an interrupted migration leaves a version 1 file.
#include "ocop/server/sqlite_account_store.hpp"

#include <Poco/UUIDGenerator.h>

#include <optional>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/account_rules.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"

namespace ocop::server {

namespace {

constexpr int kLayoutVersion = 2;

// A new file: the current layout in one go.
constexpr const char* kCreateTables = R"sql(
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user TEXT NOT NULL REFERENCES users(name),
    replica TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    app_version TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    last_seen_ms INTEGER NOT NULL,
    revoked_ms INTEGER,
    revoked_reason TEXT NOT NULL DEFAULT '',
    token_issued_ms INTEGER NOT NULL DEFAULT 0,
    prev_token_hash TEXT,
    prev_token_valid_until_ms INTEGER
);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices(user);
CREATE INDEX IF NOT EXISTS devices_by_prev_token ON devices(prev_token_hash);
CREATE TABLE IF NOT EXISTS grants (
    user TEXT NOT NULL REFERENCES users(name),
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    granted_ms INTEGER NOT NULL,
    PRIMARY KEY (user, role, unit)
);
)sql";

// Version 1 -> 2. A migrated device's token is taken as issued when the device was created (the
// earliest it can have been): it is rotated on its first use, which is harmless.
constexpr const char* kMigrate1To2 = R"sql(
ALTER TABLE devices ADD COLUMN revoked_ms INTEGER;
ALTER TABLE devices ADD COLUMN revoked_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN token_issued_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN prev_token_hash TEXT;
ALTER TABLE devices ADD COLUMN prev_token_valid_until_ms INTEGER;
UPDATE devices SET token_issued_ms = created_ms;
CREATE INDEX IF NOT EXISTS devices_by_prev_token ON devices(prev_token_hash);
CREATE TABLE IF NOT EXISTS grants (
    user TEXT NOT NULL REFERENCES users(name),
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    granted_ms INTEGER NOT NULL,
    PRIMARY KEY (user, role, unit)
);
)sql";

constexpr const char* kDeviceColumns =
    "id, user, replica, name, app_version, created_ms, last_seen_ms, revoked_ms, revoked_reason, "
    "token_issued_ms";

DeviceInfo read_device(const sqlite::Stmt& st) {
    DeviceInfo d;
    d.id = std::string(st.text(0));
    d.user = std::string(st.text(1));
    d.replica = std::string(st.text(2));
    d.name = std::string(st.text(3));
    d.app_version = std::string(st.text(4));
    d.created_ms = st.int64(5);
    d.last_seen_ms = st.int64(6);
    if (!st.is_null(7)) d.revoked_ms = st.int64(7);
    d.revoked_reason = std::string(st.text(8));
    d.token_issued_ms = st.int64(9);
    return d;
}

// Check-then-write (user exists? replica owned?) under the write lock: see ImmediateTxn.
using WriteTxn = sqlite::ImmediateTxn;

}  // namespace

SqliteAccountStore::SqliteAccountStore(const std::string& path, AccountStoreOptions options)
    : options_(std::move(options)),
      db_(path, sqlite::Durability::full),
      seen_writes_([this](const std::vector<SeenWrite*>& batch,
                          std::vector<std::exception_ptr>&) { write_seen(batch); },
                   tuning::max_seen_writes_per_commit) {
    // The version is read inside the write transaction: ocop-admin and the server may open an
    // old file at the same moment, and only one of them may migrate it.
    WriteTxn txn(db_);
    const int64_t found = sqlite::layout_version(db_, path, kLayoutVersion);
    if (found == kLayoutVersion) {
        txn.commit();
        return;
    }
    if (found == 0)
        db_.exec(kCreateTables);
    else if (found == 1)
        db_.exec(kMigrate1To2);
    sqlite::set_layout_version(db_, kLayoutVersion);
    txn.commit();
}

bool SqliteAccountStore::user_exists_locked(const std::string& name) {
    return db_.prepare("SELECT 1 FROM users WHERE name = ?").bind(1, name).step();
}

void SqliteAccountStore::add_user(const std::string& name, std::string_view password) {
    check_username(name);
    check_password(password);
    const std::string hash = hash_password(password, options_.pbkdf2_iterations);  // slow: unlocked
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    if (user_exists_locked(name)) throw_user_exists(name);
    db_.prepare("INSERT INTO users(name, password_hash, created_ms, disabled) VALUES (?, ?, ?, 0)")
        .bind(1, name)
        .bind(2, hash)
        .bind(3, options_.clock())
        .run();
    txn.commit();
}

bool SqliteAccountStore::has_user(const std::string& name) {
    std::lock_guard lock(mutex_);
    return user_exists_locked(name);
}

std::vector<UserInfo> SqliteAccountStore::users() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT name, created_ms, disabled FROM users ORDER BY name");
    std::vector<UserInfo> out;
    while (st.step())
        out.push_back(UserInfo{std::string(st.text(0)), st.int64(1), st.int64(2) != 0});
    return out;
}

std::vector<DeviceInfo> SqliteAccountStore::devices() {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(std::string("SELECT ") + kDeviceColumns +
                          " FROM devices ORDER BY user, created_ms, id");
    std::vector<DeviceInfo> out;
    while (st.step()) out.push_back(read_device(st));
    return out;
}

std::optional<DeviceInfo> SqliteAccountStore::device(const std::string& device_id) {
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(std::string("SELECT ") + kDeviceColumns + " FROM devices WHERE id = ?");
    if (!st.bind(1, device_id).step()) return std::nullopt;
    return read_device(st);
}

Enrollment SqliteAccountStore::enroll(const EnrollRequest& req) {
    check_enroll_request(req);

    std::optional<std::string> stored_hash;
    bool disabled = false;
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare("SELECT password_hash, disabled FROM users WHERE name = ?");
        if (st.bind(1, req.user).step()) {
            stored_hash = std::string(st.text(0));
            disabled = st.int64(1) != 0;
        }
    }
    password_check_.require(req.password, stored_hash, disabled);  // slow: unlocked

    Enrollment out;
    out.token = secrets::new_device_token();
    const std::string token_hash = secrets::sha256_hex(out.token);
    const int64_t now = options_.clock();

    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    std::optional<std::string> owner;
    std::optional<int64_t> revoked_ms;
    std::string revoked_reason;
    {
        auto st = db_.prepare(
            "SELECT id, user, created_ms, revoked_ms, revoked_reason FROM devices WHERE "
            "replica = ?");
        if (st.bind(1, req.replica).step()) {
            out.device.id = std::string(st.text(0));
            owner = std::string(st.text(1));
            out.device.created_ms = st.int64(2);
            if (!st.is_null(3)) revoked_ms = st.int64(3);
            revoked_reason = std::string(st.text(4));
        }
    }
    if (owner) {
        // Re-enrolment of a known device: same id, new token (the old one stops working).
        if (*owner != req.user) throw_replica_mismatch(req.replica);
        // A revoked device stays cut off even for someone who knows the password (a stolen phone
        // with a saved password), until an administrator reinstates it.
        if (revoked_ms) throw_device_revoked(*revoked_ms, revoked_reason);
        db_.prepare(
               "UPDATE devices SET token_hash = ?, name = ?, app_version = ?, last_seen_ms = ?, "
               "token_issued_ms = ?, prev_token_hash = NULL, prev_token_valid_until_ms = NULL "
               "WHERE id = ?")
            .bind(1, token_hash)
            .bind(2, req.device_name)
            .bind(3, req.app_version)
            .bind(4, now)
            .bind(5, now)
            .bind(6, out.device.id)
            .run();
    } else {
        if (options_.replica_reserved && options_.replica_reserved(req.replica))
            throw_replica_reserved(req.replica);
        out.device.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        out.device.created_ms = now;
        db_.prepare(
               "INSERT INTO devices(id, user, replica, name, app_version, token_hash, created_ms, "
               "last_seen_ms, token_issued_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, out.device.id)
            .bind(2, req.user)
            .bind(3, req.replica)
            .bind(4, req.device_name)
            .bind(5, req.app_version)
            .bind(6, token_hash)
            .bind(7, now)
            .bind(8, now)
            .bind(9, now)
            .run();
    }
    txn.commit();
    complete_enrollment(out, req, now);
    return out;
}

AuthResult SqliteAccountStore::authenticate(std::string_view token) {
    if (token.empty() || token.size() > 512) return invalid_token();
    const std::string presented = secrets::sha256_hex(token);

    // Two passes at most: the update below only applies to the row as it was read, and if
    // ocop-admin changed the device in between (another process), the second pass sees the
    // change.
    // An UPDATE ... RETURNING that matched: stepped to its end, so that the commit happens (and
    // can fail loudly) here rather than when the statement is finalized.
    const auto updated = [](sqlite::Stmt& st) {
        const bool row = st.step();
        if (row) st.run();
        return row;
    };
    std::optional<SeenWrite> seen;
    std::optional<AuthResult> out;
    {
        std::lock_guard lock(mutex_);
        for (int attempt = 0; attempt < 2 && !out; ++attempt) {
            const int64_t now = options_.clock();
            auto st = db_.reuse(
                "SELECT d.id, d.user, d.replica, d.last_seen_ms, d.revoked_ms, d.revoked_reason, "
                "d.token_issued_ms, d.token_hash, d.prev_token_valid_until_ms, u.disabled, "
                "d.prev_token_hash IS NOT NULL "
                "FROM devices d JOIN users u ON u.name = d.user "
                "WHERE d.token_hash = ?1 OR d.prev_token_hash = ?1");
            if (!st.bind(1, presented).step()) return invalid_token();
            PresentedToken t;
            t.device_id = std::string(st.text(0));
            t.user = std::string(st.text(1));
            t.replica = std::string(st.text(2));
            t.last_seen_ms = st.int64(3);
            if (!st.is_null(4)) t.revoked_ms = st.int64(4);
            t.revoked_reason = std::string(st.text(5));
            t.token_issued_ms = st.int64(6);
            const std::string current_hash(st.text(7));
            t.via_current = current_hash == presented;
            t.previous_valid_until = st.is_null(8) ? 0 : st.int64(8);
            t.user_disabled = st.int64(9) != 0;
            t.has_previous = st.int64(10) != 0;
            st.reset();

            TokenVerdict verdict = judge_token(t, now);
            if (verdict.refused()) return std::move(verdict.refusal);

            // A rotation commits here, under the lock, before the new token is handed out: the
            // device must never hold a token the file does not know.
            std::optional<std::string> rotated;
            bool ok = true;
            if (verdict.write == TokenWrite::rotate) {
                rotated = secrets::new_device_token();
                if (t.via_current) {
                    ok = updated(
                        db_.reuse("UPDATE devices SET token_hash = ?1, token_issued_ms = ?2, "
                                  "last_seen_ms = ?2, prev_token_hash = ?3, "
                                  "prev_token_valid_until_ms = ?4 WHERE id = ?5 AND token_hash "
                                  "= ?3 AND revoked_ms IS NULL RETURNING 1")
                            .bind(1, secrets::sha256_hex(*rotated))
                            .bind(2, now)
                            .bind(3, presented)
                            .bind(4, now + tuning::token_rotation_grace.count())
                            .bind(5, t.device_id));
                } else {
                    ok = updated(
                        db_.reuse("UPDATE devices SET token_hash = ?1, token_issued_ms = ?2, "
                                  "last_seen_ms = ?2 WHERE id = ?3 AND token_hash = ?4 AND "
                                  "prev_token_hash = ?5 AND revoked_ms IS NULL RETURNING 1")
                            .bind(1, secrets::sha256_hex(*rotated))
                            .bind(2, now)
                            .bind(3, t.device_id)
                            .bind(4, current_hash)
                            .bind(5, presented));
                }
            } else if (verdict.write == TokenWrite::seen) {
                seen = SeenWrite{t.device_id, presented, now};
            }
            if (!ok) continue;  // changed meanwhile by another process: look again

            AuthResult result;
            result.device_id = t.device_id;
            result.user = t.user;
            sync::Principal who;
            who.user = t.user;
            who.device_id = t.device_id;
            who.replica = t.replica;
            who.grants = grants_locked(t.user);
            result.who = std::move(who);
            result.rotated_token = std::move(rotated);
            out = std::move(result);
        }
    }
    if (!out) return invalid_token();
    // Outside the lock: the writes of requests arriving together share one commit. The request
    // still waits for it, so a failing disk fails the request as before.
    if (seen) seen_writes_.run(*seen);
    return std::move(*out);
}

// The device uses its new token, so the previous one is not needed any more; and last_seen
// moves on. A device whose token changed meanwhile (rotated, revoked and enrolled again) is left
// as it is.
void SqliteAccountStore::write_seen(const std::vector<SeenWrite*>& batch) {
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    auto st = db_.reuse(
        "UPDATE devices SET prev_token_hash = NULL, prev_token_valid_until_ms = NULL, "
        "last_seen_ms = ?1 WHERE id = ?2 AND token_hash = ?3");
    for (const SeenWrite* w : batch)
        st.bind(1, w->now_ms).bind(2, w->device_id).bind(3, w->token_hash).run();
    txn.commit();
}

std::vector<sync::Grant> SqliteAccountStore::grants_locked(const std::string& user) {
    auto st = db_.reuse("SELECT role, unit FROM grants WHERE user = ? ORDER BY role, unit");
    st.bind(1, user);
    std::vector<sync::Grant> out;
    while (st.step()) out.push_back(sync::Grant{std::string(st.text(0)), std::string(st.text(1))});
    return out;
}

std::vector<sync::Grant> SqliteAccountStore::grants(const std::string& user) {
    std::lock_guard lock(mutex_);
    if (!user_exists_locked(user)) throw_user_unknown(user);
    return grants_locked(user);
}

void SqliteAccountStore::add_grant(const std::string& user, const sync::Grant& grant) {
    check_grant(grant);
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    if (!user_exists_locked(user)) throw_user_unknown(user);
    db_.prepare("INSERT OR IGNORE INTO grants(user, role, unit, granted_ms) VALUES (?, ?, ?, ?)")
        .bind(1, user)
        .bind(2, grant.role)
        .bind(3, grant.unit)
        .bind(4, options_.clock())
        .run();
    txn.commit();
}

bool SqliteAccountStore::remove_grant(const std::string& user, const sync::Grant& grant) {
    // No role check: a grant of a role the permission table no longer has must stay removable.
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    if (!user_exists_locked(user)) throw_user_unknown(user);
    const bool held = db_.prepare(
                             "DELETE FROM grants WHERE user = ? AND role = ? AND unit = ? "
                             "RETURNING 1")
                          .bind(1, user)
                          .bind(2, grant.role)
                          .bind(3, grant.unit)
                          .step();
    txn.commit();
    return held;
}

void SqliteAccountStore::set_user_disabled(const std::string& user, bool disabled) {
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    if (!user_exists_locked(user)) throw_user_unknown(user);
    db_.prepare("UPDATE users SET disabled = ? WHERE name = ?")
        .bind(1, int64_t{disabled ? 1 : 0})
        .bind(2, user)
        .run();
    txn.commit();
}

void SqliteAccountStore::revoke_device(const std::string& device_id, const std::string& reason) {
    check_revoke_reason(reason);
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    // Revoking again updates the reason; the moment the device was cut off stays the first one.
    const bool found = db_.prepare(
                              "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, ?), "
                              "revoked_reason = ? WHERE id = ? RETURNING 1")
                           .bind(1, options_.clock())
                           .bind(2, reason)
                           .bind(3, device_id)
                           .step();
    if (!found) throw_device_unknown(device_id);
    txn.commit();
}

void SqliteAccountStore::reinstate_device(const std::string& device_id) {
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    // The token the device held while revoked does not come back: it may be in the wrong hands
    // (that is why devices are revoked). The stored hash becomes that of a token nobody was
    // given, and the device logs in again with the user's password.
    const bool found =
        db_.prepare(
               "UPDATE devices SET revoked_ms = NULL, revoked_reason = '', token_hash = ?, "
               "prev_token_hash = NULL, prev_token_valid_until_ms = NULL WHERE id = ? RETURNING 1")
            .bind(1, secrets::sha256_hex(secrets::new_device_token()))
            .bind(2, device_id)
            .step();
    if (!found) throw_device_unknown(device_id);
    txn.commit();
}

}  // namespace ocop::server
