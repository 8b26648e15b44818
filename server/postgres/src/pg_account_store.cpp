// Layout (meta key accounts_layout = 1), the same tables and columns as accounts.db
// (sqlite_account_store.cpp) so that a copy maps column to column:
//   users(name PK, password_hash, created_ms, disabled)
//   devices(id PK, "user" -> users, replica UNIQUE, name, app_version, token_hash UNIQUE,
//           created_ms, last_seen_ms, revoked_ms (NULL: not revoked), revoked_reason,
//           token_issued_ms, prev_token_hash, prev_token_valid_until_ms)
//   grants("user" -> users, role, unit, granted_ms, PK("user", role, unit))
// Keys are COLLATE "C": listings come out in byte order, as from SQLite.
#include "ocop/postgres/pg_account_store.hpp"

#include <Poco/UUIDGenerator.h>

#include <nlohmann/json.hpp>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/postgres/pg_layout.hpp"
#include "ocop/postgres/pg_transaction.hpp"
#include "ocop/server/account_rules.hpp"
#include "ocop/server/password_hash.hpp"
#include "ocop/server/secrets.hpp"

namespace ocop::pg {

using namespace ocop::server;

namespace {

constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS users(
    name text COLLATE "C" PRIMARY KEY,
    password_hash text NOT NULL,
    created_ms bigint NOT NULL,
    disabled boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS devices(
    id text COLLATE "C" PRIMARY KEY,
    "user" text COLLATE "C" NOT NULL REFERENCES users(name),
    replica text COLLATE "C" NOT NULL UNIQUE,
    name text NOT NULL,
    app_version text NOT NULL,
    token_hash text COLLATE "C" NOT NULL UNIQUE,
    created_ms bigint NOT NULL,
    last_seen_ms bigint NOT NULL,
    revoked_ms bigint,
    revoked_reason text NOT NULL DEFAULT '',
    token_issued_ms bigint NOT NULL DEFAULT 0,
    prev_token_hash text COLLATE "C",
    prev_token_valid_until_ms bigint);
CREATE INDEX IF NOT EXISTS devices_by_user ON devices("user");
CREATE INDEX IF NOT EXISTS devices_by_prev_token ON devices(prev_token_hash);
CREATE TABLE IF NOT EXISTS grants(
    "user" text COLLATE "C" NOT NULL REFERENCES users(name),
    role text COLLATE "C" NOT NULL,
    unit text COLLATE "C" NOT NULL,
    granted_ms bigint NOT NULL,
    PRIMARY KEY("user", role, unit));
)sql";

constexpr Layout kLayout{"accounts_layout", accounts_layout, kTables, "accounts"};

#define OCOP_DEVICE_COLUMNS                                                            \
    "id, \"user\", replica, name, app_version, created_ms, last_seen_ms, revoked_ms, " \
    "revoked_reason, token_issued_ms"

const Statement kUserAdd{"acc_user_add",
                         "INSERT INTO users(name, password_hash, created_ms) VALUES($1, $2, $3) "
                         "ON CONFLICT(name) DO NOTHING"};
const Statement kUserHas{"acc_user_has", "SELECT 1 FROM users WHERE name=$1"};
const Statement kUserLogin{"acc_user_login",
                           "SELECT password_hash, disabled FROM users WHERE name=$1"};
const Statement kUsers{"acc_users", "SELECT name, created_ms, disabled FROM users ORDER BY name"};
const Statement kUserDisable{"acc_user_disable", "UPDATE users SET disabled=$2 WHERE name=$1"};
const Statement kDevices{
    "acc_devices", "SELECT " OCOP_DEVICE_COLUMNS " FROM devices ORDER BY \"user\", created_ms, id"};
const Statement kDevice{"acc_device", "SELECT " OCOP_DEVICE_COLUMNS " FROM devices WHERE id=$1"};
const Statement kReplicaLock{"acc_replica_lock",
                             "SELECT id, \"user\", created_ms, revoked_ms, revoked_reason FROM "
                             "devices WHERE replica=$1 FOR UPDATE"};
const Statement kReenrol{"acc_reenrol",
                         "UPDATE devices SET token_hash=$2, name=$3, app_version=$4, "
                         "last_seen_ms=$5, token_issued_ms=$5, prev_token_hash=NULL, "
                         "prev_token_valid_until_ms=NULL WHERE id=$1"};
const Statement kEnrol{"acc_enrol",
                       "INSERT INTO devices(id, \"user\", replica, name, app_version, token_hash, "
                       "created_ms, last_seen_ms, token_issued_ms) VALUES($1, $2, $3, $4, $5, $6, "
                       "$7, $7, $7) ON CONFLICT(replica) DO NOTHING"};
// The device a token belongs to, with its user's grants: one round trip for an accepted token.
#define OCOP_TOKEN_QUERY                                                                         \
    "SELECT d.id, d.\"user\", d.replica, d.last_seen_ms, d.revoked_ms, d.revoked_reason, "       \
    "d.token_issued_ms, d.token_hash=$1, d.prev_token_valid_until_ms, u.disabled, "              \
    "d.prev_token_hash IS NOT NULL, COALESCE((SELECT json_agg(json_build_array(g.role, g.unit) " \
    "ORDER BY g.role, g.unit) FROM grants g WHERE g.\"user\"=d.\"user\"), '[]'::json)::text "    \
    "FROM devices d JOIN users u ON u.name=d.\"user\" WHERE d.token_hash=$1 OR "                 \
    "d.prev_token_hash=$1"
const Statement kToken{"acc_token", OCOP_TOKEN_QUERY};
const Statement kTokenLock{"acc_token_lock", OCOP_TOKEN_QUERY " FOR UPDATE OF d"};
const Statement kRotateCurrent{"acc_rotate_current",
                               "UPDATE devices SET token_hash=$2, token_issued_ms=$3, "
                               "last_seen_ms=$3, prev_token_hash=token_hash, "
                               "prev_token_valid_until_ms=$4 WHERE id=$1"};
const Statement kRotatePrevious{"acc_rotate_previous",
                                "UPDATE devices SET token_hash=$2, token_issued_ms=$3, "
                                "last_seen_ms=$3 WHERE id=$1"};
const Statement kSeen{"acc_seen",
                      "UPDATE devices SET prev_token_hash=NULL, prev_token_valid_until_ms=NULL, "
                      "last_seen_ms=$2 WHERE id=$1"};
const Statement kGrants{"acc_grants",
                        "SELECT g.role, g.unit FROM users u LEFT JOIN grants g ON "
                        "g.\"user\"=u.name WHERE u.name=$1 ORDER BY g.role, g.unit"};
const Statement kGrantAdd{"acc_grant_add",
                          "INSERT INTO grants(\"user\", role, unit, granted_ms) SELECT name, $2, "
                          "$3, $4 FROM users WHERE name=$1 ON CONFLICT DO NOTHING"};
const Statement kGrantRemove{"acc_grant_remove",
                             "DELETE FROM grants WHERE \"user\"=$1 AND role=$2 AND unit=$3"};
// Revoking again updates the reason; the moment the device was cut off stays the first one.
const Statement kRevoke{"acc_revoke",
                        "UPDATE devices SET revoked_ms=COALESCE(revoked_ms, $2), "
                        "revoked_reason=$3 WHERE id=$1"};
const Statement kReinstate{"acc_reinstate",
                           "UPDATE devices SET revoked_ms=NULL, revoked_reason='', token_hash=$2, "
                           "prev_token_hash=NULL, prev_token_valid_until_ms=NULL WHERE id=$1"};

std::string num(int64_t n) {
    return std::to_string(n);
}
bool boolean(const Result& r, int row, int col) {
    return r.text(row, col) == "t";
}

DeviceInfo read_device(const Result& r, int row) {
    DeviceInfo d;
    d.id = std::string(r.text(row, 0));
    d.user = std::string(r.text(row, 1));
    d.replica = std::string(r.text(row, 2));
    d.name = std::string(r.text(row, 3));
    d.app_version = std::string(r.text(row, 4));
    d.created_ms = r.i64(row, 5);
    d.last_seen_ms = r.i64(row, 6);
    if (!r.is_null(row, 7)) d.revoked_ms = r.i64(row, 7);
    d.revoked_reason = std::string(r.text(row, 8));
    d.token_issued_ms = r.i64(row, 9);
    return d;
}

struct TokenRow {
    PresentedToken token;
    std::vector<sync::Grant> grants;
};

std::optional<TokenRow> read_token(Connection& c, const Statement& st,
                                   const std::string& presented) {
    const Result r = c.run(st, {presented});
    if (r.rows() == 0) return std::nullopt;
    TokenRow row;
    PresentedToken& t = row.token;
    t.device_id = std::string(r.text(0, 0));
    t.user = std::string(r.text(0, 1));
    t.replica = std::string(r.text(0, 2));
    t.last_seen_ms = r.i64(0, 3);
    if (!r.is_null(0, 4)) t.revoked_ms = r.i64(0, 4);
    t.revoked_reason = std::string(r.text(0, 5));
    t.token_issued_ms = r.i64(0, 6);
    t.via_current = boolean(r, 0, 7);
    t.previous_valid_until = r.is_null(0, 8) ? 0 : r.i64(0, 8);
    t.user_disabled = boolean(r, 0, 9);
    t.has_previous = boolean(r, 0, 10);
    const std::string_view grants = r.text(0, 11);
    try {
        for (const auto& g : nlohmann::json::parse(grants.begin(), grants.end()))
            row.grants.push_back(
                sync::Grant{g.at(0).get<std::string>(), g.at(1).get<std::string>()});
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    std::string("grants read back are not a JSON list: ") + e.what());
    }
    return row;
}

AuthResult accepted(TokenRow row, std::optional<std::string> rotated) {
    AuthResult out;
    out.device_id = row.token.device_id;
    out.user = row.token.user;
    sync::Principal who;
    who.user = std::move(row.token.user);
    who.device_id = std::move(row.token.device_id);
    who.replica = std::move(row.token.replica);
    who.grants = std::move(row.grants);
    out.who = std::move(who);
    out.rotated_token = std::move(rotated);
    return out;
}

}  // namespace

PgAccountStore::PgAccountStore(const StoreOptions& store, AccountStoreOptions options)
    : PgAccountStore(PoolHandle(store), store.schema, std::move(options)) {}

PgAccountStore::PgAccountStore(PgStore& data, AccountStoreOptions options)
    : PgAccountStore(PoolHandle(data), data.options().schema, std::move(options)) {}

PgAccountStore::PgAccountStore(PoolHandle pool, const std::string& schema,
                               AccountStoreOptions options)
    : options_(std::move(options)), pool_(std::move(pool)) {
    auto c = pool_.acquire();
    ensure_layout(*c, schema, kLayout);
}

void PgAccountStore::add_user(const std::string& name, std::string_view password) {
    check_username(name);
    check_password(password);
    const std::string hash = hash_password(password, options_.pbkdf2_iterations);  // slow
    auto c = pool_.acquire();
    // Two processes adding the same name: the primary key lets exactly one of them in.
    if (c->run(kUserAdd, {name, hash, num(options_.clock())}).affected() == 0)
        throw_user_exists(name);
}

bool PgAccountStore::has_user(const std::string& name) {
    auto c = pool_.acquire();
    return c->run(kUserHas, {name}).rows() > 0;
}

std::vector<UserInfo> PgAccountStore::users() {
    auto c = pool_.acquire();
    const Result r = c->run(kUsers);
    std::vector<UserInfo> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(UserInfo{std::string(r.text(i, 0)), r.i64(i, 1), boolean(r, i, 2)});
    return out;
}

std::vector<DeviceInfo> PgAccountStore::devices() {
    auto c = pool_.acquire();
    const Result r = c->run(kDevices);
    std::vector<DeviceInfo> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_device(r, i));
    return out;
}

std::optional<DeviceInfo> PgAccountStore::device(const std::string& device_id) {
    auto c = pool_.acquire();
    const Result r = c->run(kDevice, {device_id});
    if (r.rows() == 0) return std::nullopt;
    return read_device(r, 0);
}

Enrollment PgAccountStore::enroll(const EnrollRequest& req) {
    check_enroll_request(req);
    std::optional<std::string> stored_hash;
    bool disabled = false;
    {
        auto c = pool_.acquire();
        const Result r = c->run(kUserLogin, {req.user});
        if (r.rows() > 0) {
            stored_hash = std::string(r.text(0, 0));
            disabled = boolean(r, 0, 1);
        }
    }
    password_check_.require(req.password, stored_hash, disabled);  // slow: unlocked

    Enrollment out;
    out.token = secrets::new_device_token();
    const std::string token_hash = secrets::sha256_hex(out.token);
    const int64_t now = options_.clock();

    // Asked before a connection is held: the callback reads the data store, which may share this
    // store's pool (a login holding the last connection while waiting for another would never
    // get it). Only used for a replica no device holds yet.
    const bool reserved = options_.replica_reserved && options_.replica_reserved(req.replica);
    auto c = pool_.acquire();
    Transaction txn(*c);
    // Two processes enrolling the same new replica: the INSERT of the second waits for the first
    // and then does nothing, and the second pass finds (and locks) the row the first wrote; it is
    // then a re-enrolment like any other. Three passes cover a first writer that rolled back.
    for (int pass = 0;; ++pass) {
        const Result known = c->run(kReplicaLock, {req.replica});
        if (known.rows() > 0) {
            out.device.id = std::string(known.text(0, 0));
            // Re-enrolment of a known device: same id, new token (the old one stops working).
            if (known.text(0, 1) != req.user) throw_replica_mismatch(req.replica);
            out.device.created_ms = known.i64(0, 2);
            // A revoked device stays cut off even for someone who knows the password (a stolen
            // phone with a saved password), until an administrator reinstates it.
            if (!known.is_null(0, 3))
                throw_device_revoked(known.i64(0, 3), std::string(known.text(0, 4)));
            c->run(kReenrol,
                   {out.device.id, token_hash, req.device_name, req.app_version, num(now)});
            break;
        }
        if (reserved) throw_replica_reserved(req.replica);
        out.device.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        out.device.created_ms = now;
        if (c->run(kEnrol, {out.device.id, req.user, req.replica, req.device_name, req.app_version,
                            token_hash, num(now)})
                .affected() == 1)
            break;
        if (pass == 2)
            throw Error(ErrorKind::transient, errc::store_busy,
                        "replica " + req.replica + " is being enrolled elsewhere; try again");
    }
    txn.commit();
    complete_enrollment(out, req, now);
    return out;
}

AuthResult PgAccountStore::authenticate(std::string_view token) {
    if (token.empty() || token.size() > 512) return invalid_token();
    const std::string presented = secrets::sha256_hex(token);
    auto c = pool_.acquire();

    // Most requests write nothing (a token younger than a week, last_seen moved less than a
    // minute ago): one read, no transaction, no lock.
    auto row = read_token(*c, kToken, presented);
    if (!row) return invalid_token();
    TokenVerdict verdict = judge_token(row->token, options_.clock());
    if (verdict.refused()) return std::move(verdict.refusal);
    if (verdict.write == TokenWrite::none) return accepted(std::move(*row), std::nullopt);

    // A write: judged again on the row under its lock, so that of two processes rotating the
    // same token at once, the second one sees the first one's rotation (and, in the race window,
    // leaves the new token alone) instead of replacing it. Only this one row is locked: no
    // deadlock with another request, whatever it locks.
    Transaction txn(*c);
    row = read_token(*c, kTokenLock, presented);
    if (!row) return invalid_token();  // replaced meanwhile (a login, a reinstatement)
    const int64_t now = options_.clock();
    verdict = judge_token(row->token, now);
    if (verdict.refused()) return std::move(verdict.refusal);
    std::optional<std::string> rotated;
    const std::string& id = row->token.device_id;
    if (verdict.write == TokenWrite::rotate) {
        rotated = secrets::new_device_token();
        const std::string fresh = secrets::sha256_hex(*rotated);
        if (row->token.via_current)
            c->run(kRotateCurrent,
                   {id, fresh, num(now), num(now + tuning::token_rotation_grace.count())});
        else
            c->run(kRotatePrevious, {id, fresh, num(now)});
    } else if (verdict.write == TokenWrite::seen) {
        // The device uses its new token, so the previous one is not needed any more; and
        // last_seen moves on.
        c->run(kSeen, {id, num(now)});
    }
    txn.commit();
    return accepted(std::move(*row), std::move(rotated));
}

std::vector<sync::Grant> PgAccountStore::grants(const std::string& user) {
    auto c = pool_.acquire();
    const Result r = c->run(kGrants, {user});
    if (r.rows() == 0) throw_user_unknown(user);
    std::vector<sync::Grant> out;
    for (int i = 0; i < r.rows(); ++i)
        if (!r.is_null(i, 0))
            out.push_back(sync::Grant{std::string(r.text(i, 0)), std::string(r.text(i, 1))});
    return out;
}

void PgAccountStore::add_grant(const std::string& user, const sync::Grant& grant) {
    check_grant(grant);
    auto c = pool_.acquire();
    // Nothing inserted: the user is unknown, or already holds the grant (users are never
    // deleted, so the check after the statement cannot be outdated by another process).
    if (c->run(kGrantAdd, {user, grant.role, grant.unit, num(options_.clock())}).affected() == 0 &&
        c->run(kUserHas, {user}).rows() == 0)
        throw_user_unknown(user);
}

bool PgAccountStore::remove_grant(const std::string& user, const sync::Grant& grant) {
    // No role check: a grant of a role the permission table no longer has must stay removable.
    auto c = pool_.acquire();
    if (c->run(kGrantRemove, {user, grant.role, grant.unit}).affected() == 1) return true;
    if (c->run(kUserHas, {user}).rows() == 0) throw_user_unknown(user);
    return false;
}

void PgAccountStore::set_user_disabled(const std::string& user, bool disabled) {
    auto c = pool_.acquire();
    if (c->run(kUserDisable, {user, disabled ? "true" : "false"}).affected() == 0)
        throw_user_unknown(user);
}

void PgAccountStore::revoke_device(const std::string& device_id, const std::string& reason) {
    check_revoke_reason(reason);
    auto c = pool_.acquire();
    if (c->run(kRevoke, {device_id, num(options_.clock()), reason}).affected() == 0)
        throw_device_unknown(device_id);
}

void PgAccountStore::reinstate_device(const std::string& device_id) {
    // The token the device held while revoked does not come back: it may be in the wrong hands
    // (that is why devices are revoked). The stored hash becomes that of a token nobody was
    // given, and the device logs in again with the user's password.
    auto c = pool_.acquire();
    if (c->run(kReinstate, {device_id, secrets::sha256_hex(secrets::new_device_token())})
            .affected() == 0)
        throw_device_unknown(device_id);
}

}  // namespace ocop::pg
