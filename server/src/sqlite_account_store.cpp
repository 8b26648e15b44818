// Layout of accounts.db (PRAGMA user_version = 1):
//   users(name PK, password_hash, created_ms, disabled)
//   devices(id PK, user -> users, replica UNIQUE, name, app_version, token_hash UNIQUE,
//           created_ms, last_seen_ms)
// token_hash is the lowercase hex SHA-256 of the token: a token has 256 random bits, so it can be
// looked up by its hash directly (no salt or stretching needed), and a copy of the file grants
// nothing.
#include "ocop/server/sqlite_account_store.hpp"

#include <Poco/UUIDGenerator.h>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"

namespace ocop::server {

namespace {

constexpr int kLayoutVersion = 1;

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
    last_seen_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices(user);
)sql";

// BEGIN IMMEDIATE takes the write lock up front, so a check-then-write (user exists? replica
// owned?) cannot race with ocop-admin writing the same file from another process.
class WriteTxn {
  public:
    explicit WriteTxn(sqlite::Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
    WriteTxn(const WriteTxn&) = delete;
    WriteTxn& operator=(const WriteTxn&) = delete;
    ~WriteTxn() {
        if (!done_) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {  // nothing more to do; the connection stays usable
            }
        }
    }
    void commit() {
        db_.exec("COMMIT");
        done_ = true;
    }

  private:
    sqlite::Db& db_;
    bool done_ = false;
};

[[noreturn]] void bad_credentials() {
    throw Error(ErrorKind::unauthorized, errc::auth_bad_credentials,
                "unknown user or wrong password");
}

void check_length(std::string_view what, const std::string& value, size_t max) {
    if (value.size() > max)
        throw Error(ErrorKind::invalid_input, errc::value_too_long,
                    std::string(what) + " is longer than " + std::to_string(max) + " bytes");
}

}  // namespace

SqliteAccountStore::SqliteAccountStore(const std::string& path, AccountStoreOptions options)
    : options_(std::move(options)), db_(path, sqlite::Durability::full) {
    auto version = db_.prepare("PRAGMA user_version");
    version.step();
    const int64_t found = version.int64(0);
    if (found > kLayoutVersion)
        throw Error(ErrorKind::internal, errc::schema_version_unsupported,
                    path + " has layout version " + std::to_string(found) +
                        ", newer than this server understands (" + std::to_string(kLayoutVersion) +
                        ")");
    WriteTxn txn(db_);
    db_.exec(kCreateTables);
    db_.exec("PRAGMA user_version = " + std::to_string(kLayoutVersion));
    txn.commit();
}

const std::string& SqliteAccountStore::dummy_hash() {
    // Random salt and random "hash" in the real format: checking a password against it costs the
    // same derivation as a real check (and never matches), without deriving anything up front.
    std::call_once(dummy_once_, [this] {
        dummy_hash_ = std::string(password_hash_scheme) + "$" +
                      std::to_string(options_.pbkdf2_iterations) + "$" +
                      secrets::base64(secrets::random_bytes(tuning::password_salt_bytes)) + "$" +
                      secrets::base64(secrets::random_bytes(32));
    });
    return dummy_hash_;
}

void SqliteAccountStore::add_user(const std::string& name, std::string_view password) {
    check_username(name);
    check_password(password);
    const std::string hash = hash_password(password, options_.pbkdf2_iterations);  // slow: unlocked
    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    if (db_.prepare("SELECT 1 FROM users WHERE name = ?").bind(1, name).step())
        throw Error(ErrorKind::conflict, errc::auth_user_exists,
                    "user '" + name + "' already exists");
    db_.prepare("INSERT INTO users(name, password_hash, created_ms, disabled) VALUES (?, ?, ?, 0)")
        .bind(1, name)
        .bind(2, hash)
        .bind(3, options_.clock())
        .run();
    txn.commit();
}

bool SqliteAccountStore::has_user(const std::string& name) {
    std::lock_guard lock(mutex_);
    return db_.prepare("SELECT 1 FROM users WHERE name = ?").bind(1, name).step();
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
    auto st = db_.prepare(
        "SELECT id, user, replica, name, app_version, created_ms, last_seen_ms FROM devices "
        "ORDER BY user, created_ms, id");
    std::vector<DeviceInfo> out;
    while (st.step())
        out.push_back(DeviceInfo{std::string(st.text(0)), std::string(st.text(1)),
                                 std::string(st.text(2)), std::string(st.text(3)),
                                 std::string(st.text(4)), st.int64(5), st.int64(6)});
    return out;
}

Enrollment SqliteAccountStore::enroll(const EnrollRequest& req) {
    if (!valid_replica_id(req.replica))
        throw Error(ErrorKind::invalid_input, errc::sync_malformed,
                    "'replica' must be an id of 1-64 characters [a-z0-9_-]");
    check_length("device_name", req.device_name, tuning::max_device_name_bytes);
    check_length("app_version", req.app_version, tuning::max_app_version_bytes);

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
    // The same work whether or not the user exists, and the same answer for every failure, so
    // that neither the message nor the time tells an attacker which usernames exist.
    const bool match = verify_password(req.password, stored_hash ? *stored_hash : dummy_hash());
    if (!stored_hash || !match || disabled) bad_credentials();

    Enrollment out;
    out.token = secrets::new_device_token();
    const std::string token_hash = secrets::sha256_hex(out.token);
    const int64_t now = options_.clock();

    std::lock_guard lock(mutex_);
    WriteTxn txn(db_);
    std::optional<std::string> owner;
    {
        auto st = db_.prepare("SELECT id, user, created_ms FROM devices WHERE replica = ?");
        if (st.bind(1, req.replica).step()) {
            out.device.id = std::string(st.text(0));
            owner = std::string(st.text(1));
            out.device.created_ms = st.int64(2);
        }
    }
    if (owner) {
        // Re-enrolment of a known device: same id, new token (the old one stops working). A
        // replica id is visible to every device in pulled stamps, so another user must not be
        // able to take it over and lock the real device out.
        if (*owner != req.user)
            throw Error(ErrorKind::forbidden, errc::sync_replica_mismatch,
                        "replica " + req.replica +
                            " is enrolled by another user; this device cannot take it over");
        db_.prepare(
               "UPDATE devices SET token_hash = ?, name = ?, app_version = ?, last_seen_ms = ? "
               "WHERE id = ?")
            .bind(1, token_hash)
            .bind(2, req.device_name)
            .bind(3, req.app_version)
            .bind(4, now)
            .bind(5, out.device.id)
            .run();
    } else {
        out.device.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        out.device.created_ms = now;
        db_.prepare(
               "INSERT INTO devices(id, user, replica, name, app_version, token_hash, created_ms, "
               "last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(1, out.device.id)
            .bind(2, req.user)
            .bind(3, req.replica)
            .bind(4, req.device_name)
            .bind(5, req.app_version)
            .bind(6, token_hash)
            .bind(7, now)
            .bind(8, now)
            .run();
    }
    txn.commit();
    out.device.user = req.user;
    out.device.replica = req.replica;
    out.device.name = req.device_name;
    out.device.app_version = req.app_version;
    out.device.last_seen_ms = now;
    return out;
}

std::optional<sync::Principal> SqliteAccountStore::authenticate(std::string_view token) {
    if (token.empty() || token.size() > 512) return std::nullopt;
    const std::string token_hash = secrets::sha256_hex(token);
    std::lock_guard lock(mutex_);
    sync::Principal who;
    int64_t last_seen = 0;
    {
        auto st = db_.prepare(
            "SELECT d.id, d.user, d.replica, d.last_seen_ms, u.disabled FROM devices d "
            "JOIN users u ON u.name = d.user WHERE d.token_hash = ?");
        if (!st.bind(1, token_hash).step() || st.int64(4) != 0) return std::nullopt;
        who = sync::Principal{std::string(st.text(1)), std::string(st.text(0)),
                              std::string(st.text(2))};
        last_seen = st.int64(3);
    }
    const int64_t now = options_.clock();
    if (now - last_seen >= tuning::last_seen_resolution_ms)
        db_.prepare("UPDATE devices SET last_seen_ms = ? WHERE id = ?")
            .bind(1, now)
            .bind(2, who.device_id)
            .run();
    return who;
}

}  // namespace ocop::server
