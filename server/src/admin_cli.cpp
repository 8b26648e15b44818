// ocop-admin's logic: see admin_cli.hpp for the commands.
#include "ocop/server/admin_cli.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/date.hpp"
#include "ocop/domain/permissions.hpp"
#include "ocop/postgres/pg_account_store.hpp"
#include "ocop/postgres/pg_audit_log.hpp"
#include "ocop/postgres/pg_store.hpp"
#include "ocop/server/backup.hpp"
#include "ocop/server/copy_to_postgresql.hpp"
#include "ocop/server/data_layout.hpp"
#include "ocop/server/server_stores.hpp"
#include "ocop/server/sqlite_account_store.hpp"
#include "ocop/server/sqlite_audit_log.hpp"

namespace ocop::server {

namespace {

constexpr const char* kUsage =
    "usage: ocop-admin --data DIR user add NAME   (password: one line on stdin)\n"
    "       ocop-admin --data DIR user list\n"
    "       ocop-admin --data DIR user grant NAME ROLE UNIT [--allow-unknown-unit]\n"
    "       ocop-admin --data DIR user ungrant NAME ROLE UNIT\n"
    "       ocop-admin --data DIR user disable NAME\n"
    "       ocop-admin --data DIR user enable NAME\n"
    "       ocop-admin --data DIR device list\n"
    "       ocop-admin --data DIR device revoke ID --reason TEXT\n"
    "       ocop-admin --data DIR device reinstate ID\n"
    "       ocop-admin --data DIR unit list\n"
    "       ocop-admin --data DIR backup --to BACKUP_DIR   (online, while the server serves)\n"
    "       ocop-admin --data DIR restore --from BACKUP_DIR (ocop-server stopped)\n"
    "       ocop-admin --data DIR audit [--user NAME] [--device ID]\n"
    "                  [--outcome applied|refused|duplicate|rejected]\n"
    "                  [--since ISO8601] [--until ISO8601] [--limit N]\n"
    "       ocop-admin --data DIR copy-to-postgresql --database URL [--database-schema NAME]\n"
    "                  (the SQLite data directory into PostgreSQL, verified cell by cell)\n"
    "On PostgreSQL, give --database URL [--database-schema NAME] instead of --data DIR.\n"
    "ROLE: a role of the permission table (commune_officer, inspector, ...; docs/permissions.md).\n"
    "UNIT: an administrative unit id (see 'unit list'); a role on a unit covers the units below.\n"
    "Times: 2026-11-23 (UTC midnight), 2026-11-23T08:00:00Z or 2026-11-23T15:00:00+07:00.\n"
    "Exit status: 0 done, 1 refused or failed, 2 usage.\n";

// Options that take a value; which command accepts which is checked per command.
const std::set<std::string, std::less<>> kValueOptions = {"--reason",  "--user",  "--device",
                                                          "--outcome", "--since", "--until",
                                                          "--limit",   "--to",    "--from"};
// Options without a value.
const std::set<std::string, std::less<>> kFlagOptions = {"--allow-unknown-unit"};

struct UsageError {
    std::string message;
};

std::string iso_time(int64_t unix_ms) {
    const Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(unix_ms) * 1000);
    return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

struct Parsed {
    std::string data_dir;
    // The stores on PostgreSQL instead of the SQLite files under data_dir (docs/postgresql.md).
    std::string database;
    std::string database_schema = "ocop";
    std::vector<std::string> words;
    std::map<std::string, std::string, std::less<>> options;
    bool help = false;
};

Parsed parse(const std::vector<std::string>& args) {
    Parsed p;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            p.help = true;
        } else if (a == "--data") {
            if (i + 1 >= args.size()) throw UsageError{"--data needs a directory"};
            p.data_dir = args[++i];
        } else if (a.rfind("--data=", 0) == 0) {
            p.data_dir = a.substr(7);
        } else if (a == "--database" || a == "--database-schema") {
            if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
            (a == "--database" ? p.database : p.database_schema) = args[++i];
        } else if (a.size() > 1 && a[0] == '-') {
            const size_t eq = a.find('=');
            const std::string name = a.substr(0, eq);
            if (kFlagOptions.count(a)) {
                if (!p.options.emplace(a, "").second)
                    throw UsageError{a + " is given more than once"};
                continue;
            }
            if (!kValueOptions.count(name)) throw UsageError{"unknown option '" + a + "'"};
            std::string value;
            if (eq != std::string::npos) {
                value = a.substr(eq + 1);
            } else {
                if (i + 1 >= args.size()) throw UsageError{name + " needs a value"};
                value = args[++i];  // verbatim, even if it starts with '-'
            }
            if (!p.options.emplace(name, value).second)
                throw UsageError{name + " is given more than once"};
        } else {
            p.words.push_back(a);
        }
    }
    return p;
}

// Refuses options the command does not take.
void allow_options(const Parsed& p, const std::string& command,
                   std::initializer_list<std::string_view> allowed) {
    for (const auto& [name, value] : p.options) {
        bool ok = false;
        for (std::string_view a : allowed) ok = ok || a == name;
        if (!ok) throw UsageError{name + " does not apply to '" + command + "'"};
    }
}

std::optional<std::string> option(const Parsed& p, std::string_view name) {
    const auto it = p.options.find(name);
    if (it == p.options.end()) return std::nullopt;
    return it->second;
}

std::string read_password(AdminIo& io, const std::string& user) {
    if (io.prompt) io.err << "password for " << user << ": " << std::flush;
    std::string line;
    if (!std::getline(io.in, line)) throw UsageError{"no password on stdin (give it as one line)"};
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (io.prompt) io.err << "\n";
    return line;
}

std::string data_file(const std::string& data_dir, const char* name) {
    return Poco::Path(data_dir).append(name).toString();
}

pg::StoreOptions pg_options(const Parsed& p) {
    if (!is_postgresql_url(p.database))
        throw UsageError{"--database must be a PostgreSQL URL (postgresql://USER@HOST:PORT/DB)"};
    pg::StoreOptions o;
    o.url = p.database;
    o.schema = p.database_schema;
    o.max_connections = 2;
    return o;
}

int user_add(const Parsed& p, const std::string& name, AdminIo& io, uint32_t iterations) {
    check_username(name);  // before asking for a password the store would refuse anyway
    const std::string password = read_password(io, name);
    AccountStoreOptions options;
    options.pbkdf2_iterations = iterations;
    std::unique_ptr<AccountStore> accounts;
    if (!p.database.empty()) {
        accounts = std::make_unique<pg::PgAccountStore>(pg_options(p), options);
    } else {
        Poco::File(p.data_dir).createDirectories();
        accounts =
            std::make_unique<SqliteAccountStore>(data_file(p.data_dir, "accounts.db"), options);
    }
    accounts->add_user(name, password);
    io.out << nlohmann::json{{"user", name}, {"added", true}}.dump() << "\n";
    return 0;
}

// Commands other than `user add` never create files: a mistyped --data is an error, not a new,
// empty database.
void require_file(const std::string& file, const std::string& what) {
    if (!Poco::File(file).exists())
        throw Error(ErrorKind::not_found, errc::store_io,
                    "no " + what + " at " + file + " (wrong --data?)");
}

std::unique_ptr<AccountStore> open_accounts(const Parsed& p, uint32_t iterations) {
    AccountStoreOptions options;
    options.pbkdf2_iterations = iterations;
    if (!p.database.empty()) return std::make_unique<pg::PgAccountStore>(pg_options(p), options);
    const std::string file = data_file(p.data_dir, "accounts.db");
    require_file(file, "accounts database");
    return std::make_unique<SqliteAccountStore>(file, options);
}

// The data store, for its administrative units. The server may have it open: this is a second
// connection, and it only reads.
std::unique_ptr<Store> open_data_store(const Parsed& p) {
    if (!p.database.empty()) return std::make_unique<pg::PgStore>(pg_options(p));
    const std::string file = data_file(p.data_dir, "ocop.db");
    if (!Poco::File(file).exists())
        throw Error(ErrorKind::not_found, errc::store_io,
                    "no data store at " + file +
                        ": administrative units are read from it (start ocop-server once with "
                        "this --data, or check --data)");
    return std::make_unique<SqliteStore>(file, sqlite::Durability::full, /*cache_mib=*/8);
}

nlohmann::json unit_json(const Record& unit) {
    nlohmann::json j{{"id", unit.id}};
    for (const char* field :
         {"code", "name", "level", "parent", "valid_from", "valid_to", "successor"})
        j[field] = unit.get(field);
    return j;
}

int user_list(AccountStore& accounts, AdminIo& io) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& u : accounts.users()) {
        nlohmann::json grants = nlohmann::json::array();
        for (const auto& g : accounts.grants(u.name))
            grants.push_back({{"role", g.role}, {"unit", g.unit}});
        list.push_back({{"name", u.name},
                        {"created", iso_time(u.created_ms)},
                        {"disabled", u.disabled},
                        {"grants", grants}});
    }
    io.out << list.dump(2) << "\n";
    return 0;
}

int user_grant(const Parsed& p, AccountStore& accounts, const std::string& user,
               const sync::Grant& grant, bool allow_unknown_unit, AdminIo& io) {
    // Cheap checks first, so the first mistake is the one reported.
    if (!accounts.has_user(user))
        throw Error(ErrorKind::not_found, errc::auth_user_unknown, "no user '" + user + "'");
    domain::PermissionTable::builtin().require_role(grant.role);
    std::string unit_name;
    // A new province's units may not exist yet: its administrator creates them from a device,
    // under a grant on the province id chosen beforehand.
    if (!allow_unknown_unit) {
        const auto store = open_data_store(p);
        const auto unit = store->read("admin_unit", grant.unit);
        if (!unit || unit->deleted())
            throw Error(ErrorKind::not_found, errc::auth_unknown_unit,
                        "no administrative unit '" + grant.unit + "' in " +
                            (p.database.empty() ? data_file(p.data_dir, "ocop.db")
                                                : "schema " + p.database_schema) +
                            " (ocop-admin unit list shows them)");
        const auto& name = unit->get("name");
        if (name.is_string()) unit_name = name.get<std::string>();
    }
    accounts.add_grant(user, grant);
    io.out << nlohmann::json{{"user", user},
                             {"role", grant.role},
                             {"unit", grant.unit},
                             {"unit_name", unit_name},
                             {"granted", true}}
                  .dump()
           << "\n";
    return 0;
}

int user_ungrant(AccountStore& accounts, const std::string& user, const sync::Grant& grant,
                 AdminIo& io) {
    if (!accounts.remove_grant(user, grant))
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "user '" + user + "' holds no role " + grant.role + " on unit " + grant.unit +
                        " (ocop-admin user list shows the grants)");
    io.out << nlohmann::json{{"user", user},
                             {"role", grant.role},
                             {"unit", grant.unit},
                             {"removed", true}}
                  .dump()
           << "\n";
    return 0;
}

int device_list(AccountStore& accounts, AdminIo& io) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& d : accounts.devices())
        list.push_back(
            {{"id", d.id},
             {"user", d.user},
             {"replica", d.replica},
             {"name", d.name},
             {"app_version", d.app_version},
             {"created", iso_time(d.created_ms)},
             {"token_issued", iso_time(d.token_issued_ms)},
             {"last_seen", iso_time(d.last_seen_ms)},
             {"revoked", d.revoked_ms.has_value()},
             {"revoked_at", d.revoked_ms ? nlohmann::json(iso_time(*d.revoked_ms)) : nullptr},
             {"revoked_reason", d.revoked_reason}});
    io.out << list.dump(2) << "\n";
    return 0;
}

int unit_list(const Parsed& p, AdminIo& io) {
    const auto store = open_data_store(p);
    nlohmann::json list = nlohmann::json::array();
    // Pages keep each read short: the server may be writing the same file.
    constexpr size_t kPage = 500;
    std::string after;
    for (;;) {
        const auto page = store->query("admin_unit", {}, kPage, after);
        for (const auto& unit : page) list.push_back(unit_json(unit));
        if (page.size() < kPage) break;
        after = page.back().id;
    }
    io.out << list.dump(2) << "\n";
    return 0;
}

// ISO 8601 in UTC or with an offset: "2026-11-23" (midnight UTC),
// "2026-11-23T08:00[:00[.123]](Z|+07:00|+0700)". A time without a zone is refused: it would be
// read in the wrong one half of the time.
std::optional<int64_t> parse_iso_time(const std::string& text) {
    if (text.size() < 10) return std::nullopt;
    const auto date = domain::Date::try_parse(std::string_view(text).substr(0, 10));
    if (!date) return std::nullopt;
    int64_t ms = date->days() * 86'400'000;
    if (text.size() == 10) return ms;
    size_t i = 10;
    if (text[i] != 'T' && text[i] != 't' && text[i] != ' ') return std::nullopt;
    ++i;
    const auto two = [&](int max) -> std::optional<int> {
        if (i + 2 > text.size() || !std::isdigit(static_cast<unsigned char>(text[i])) ||
            !std::isdigit(static_cast<unsigned char>(text[i + 1])))
            return std::nullopt;
        const int v = (text[i] - '0') * 10 + (text[i + 1] - '0');
        i += 2;
        if (v > max) return std::nullopt;
        return v;
    };
    const auto hour = two(23);
    if (!hour || i >= text.size() || text[i++] != ':') return std::nullopt;
    const auto minute = two(59);
    if (!minute) return std::nullopt;
    int second = 0;
    int64_t fraction_ms = 0;
    if (i < text.size() && text[i] == ':') {
        ++i;
        const auto s = two(59);
        if (!s) return std::nullopt;
        second = *s;
        if (i < text.size() && text[i] == '.') {
            ++i;
            int digits = 0;
            while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
                if (digits < 3) fraction_ms = fraction_ms * 10 + (text[i] - '0');
                ++digits;
                ++i;
            }
            if (digits == 0) return std::nullopt;
            for (int d = digits; d < 3; ++d) fraction_ms *= 10;
        }
    }
    ms += ((*hour * 60 + *minute) * 60 + second) * int64_t{1000} + fraction_ms;
    if (i >= text.size()) return std::nullopt;  // no zone
    if ((text[i] == 'Z' || text[i] == 'z') && i + 1 == text.size()) return ms;
    if (text[i] != '+' && text[i] != '-') return std::nullopt;
    const int sign = text[i++] == '+' ? 1 : -1;
    const auto oh = two(23);
    if (!oh) return std::nullopt;
    if (i < text.size() && text[i] == ':') ++i;
    const auto om = two(59);
    if (!om || i != text.size()) return std::nullopt;
    return ms - sign * int64_t{(*oh * 60 + *om)} * 60'000;
}

int audit(const Parsed& p, AdminIo& io) {
    AuditQuery q;
    q.user = option(p, "--user");
    q.device_id = option(p, "--device");
    q.outcome = option(p, "--outcome");
    if (q.outcome && *q.outcome != "applied" && *q.outcome != "refused" &&
        *q.outcome != "duplicate" && *q.outcome != "rejected")
        throw UsageError{"--outcome is one of applied, refused, duplicate, rejected"};
    using Bound = std::pair<const char*, std::optional<int64_t>*>;
    for (const auto& [name, target] :
         {Bound{"--since", &q.since_ms}, Bound{"--until", &q.until_ms}})
        if (const auto text = option(p, name)) {
            *target = parse_iso_time(*text);
            if (!*target)
                throw UsageError{std::string(name) + " '" + *text +
                                 "' is not an ISO 8601 time (2026-11-23, 2026-11-23T08:00:00Z, "
                                 "2026-11-23T15:00:00+07:00)"};
        }
    if (const auto limit = option(p, "--limit")) {
        const bool digits = !limit->empty() && limit->size() <= 9 &&
                            limit->find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoul(*limit) == 0)
            throw UsageError{"--limit needs a positive number (at most " +
                             std::to_string(tuning::max_audit_query_rows) + " are shown)"};
        q.limit = std::stoul(*limit);
    }
    std::unique_ptr<AuditLog> log;
    if (!p.database.empty()) {
        log = std::make_unique<pg::PgAuditLog>(pg_options(p));
    } else {
        const std::string file = data_file(p.data_dir, "audit.db");
        require_file(file, "audit log");
        log = std::make_unique<SqliteAuditLog>(file);
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : log->query(q))
        list.push_back({{"id", e.id},
                        {"received", iso_time(e.received_ms)},
                        {"user", e.user},
                        {"device_id", e.device_id},
                        {"replica", e.replica},
                        {"remote_address", e.remote_address},
                        {"seq", e.seq},
                        {"outcome", e.outcome},
                        {"code", e.code},
                        {"message", e.message},
                        {"changes", e.changes}});
    // Entries written before the log kept only valid UTF-8 may hold any bytes: shown as U+FFFD.
    io.out << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
}

int backup_command(const std::string& data_dir, const Parsed& p, AdminIo& io) {
    const auto to = option(p, "--to");
    if (!to || to->empty()) throw UsageError{"backup needs --to BACKUP_DIR (a new directory)"};
    io.out << backup_data_dir(data_dir, *to).dump() << "\n";
    return 0;
}

int restore_command(const std::string& data_dir, const Parsed& p, AdminIo& io) {
    const auto from = option(p, "--from");
    if (!from || from->empty())
        throw UsageError{"restore needs --from BACKUP_DIR (made by ocop-admin backup)"};
    io.out << restore_data_dir(data_dir, *from).dump() << "\n";
    return 0;
}

int dispatch(const Parsed& p, AdminIo& io, uint32_t iterations) {
    const auto& w = p.words;
    if (w.empty()) throw UsageError{"no command given"};
    std::string command;
    for (const auto& word : w) command += (command.empty() ? "" : " ") + word;
    const auto is = [&](std::initializer_list<std::string_view> words) {
        if (w.size() != words.size()) return false;
        size_t i = 0;
        for (std::string_view word : words) {
            const std::string& actual = w[i++];
            if (!word.empty() && actual != word) return false;  // "": any word
        }
        return true;
    };
    const std::string& dir = p.data_dir;

    if (w[0] == "audit" && w.size() == 1) {
        allow_options(p, "audit",
                      {"--user", "--device", "--outcome", "--since", "--until", "--limit"});
        return audit(p, io);
    }
    if (is({"copy-to-postgresql"})) {
        allow_options(p, command, {});
        if (dir.empty() || p.database.empty())
            throw UsageError{
                "copy-to-postgresql needs --data DIR (the SQLite data directory) and "
                "--database URL (the PostgreSQL database to copy it into)"};
        io.out << copy_to_postgresql(dir, pg_options(p)).dump(2) << "\n";
        return 0;
    }
    if ((is({"backup"}) || is({"restore"})) && !p.database.empty())
        throw UsageError{
            "on PostgreSQL, back up and restore with pg_dump and pg_restore (or the "
            "province's replication): docs/postgresql.md"};
    if (is({"backup"})) {
        allow_options(p, "backup", {"--to"});
        return backup_command(dir, p, io);
    }
    if (is({"restore"})) {
        allow_options(p, "restore", {"--from"});
        return restore_command(dir, p, io);
    }
    if (is({"device", "revoke", ""})) {
        allow_options(p, "device revoke", {"--reason"});
        const auto reason = option(p, "--reason");
        if (!reason || reason->find_first_not_of(" \t") == std::string::npos)
            throw UsageError{"device revoke needs --reason TEXT: the device's user is shown it"};
        auto accounts = open_accounts(p, iterations);
        accounts->revoke_device(w[2], *reason);
        io.out << nlohmann::json{{"device", w[2]}, {"revoked", true}, {"reason", *reason}}.dump()
               << "\n";
        return 0;
    }
    if (is({"user", "grant", "", "", ""})) {
        allow_options(p, command, {"--allow-unknown-unit"});
        return user_grant(p, *open_accounts(p, iterations), w[2], sync::Grant{w[3], w[4]},
                          option(p, "--allow-unknown-unit").has_value(), io);
    }
    allow_options(p, command, {});
    if (is({"user", "add", ""})) return user_add(p, w[2], io, iterations);
    if (is({"user", "list"})) return user_list(*open_accounts(p, iterations), io);
    if (is({"user", "ungrant", "", "", ""}))
        return user_ungrant(*open_accounts(p, iterations), w[2], sync::Grant{w[3], w[4]}, io);
    if (is({"user", "disable", ""}) || is({"user", "enable", ""})) {
        const bool disable = w[1] == "disable";
        open_accounts(p, iterations)->set_user_disabled(w[2], disable);
        io.out << nlohmann::json{{"user", w[2]}, {"disabled", disable}}.dump() << "\n";
        return 0;
    }
    if (is({"device", "list"})) return device_list(*open_accounts(p, iterations), io);
    if (is({"device", "reinstate", ""})) {
        open_accounts(p, iterations)->reinstate_device(w[2]);
        io.out << nlohmann::json{{"device", w[2]}, {"reinstated", true}}.dump() << "\n";
        return 0;
    }
    if (is({"unit", "list"})) return unit_list(p, io);
    throw UsageError{"unknown command '" + command + "'"};
}

}  // namespace

int run_admin(const std::vector<std::string>& args, AdminIo io, uint32_t pbkdf2_iterations) {
    try {
        const Parsed p = parse(args);
        if (p.help) {
            io.out << kUsage;
            return 0;
        }
        if (p.data_dir.empty() && p.database.empty())
            throw UsageError{"--data DIR (or --database URL for PostgreSQL) is required"};
        // As the server does: a newer directory is refused, an older one migrated in place. Not
        // for restore, which replaces the directory's files and marker with a backup's (and is
        // how a newer directory is rolled back). A directory without databases is not marked:
        // it may be a mistyped --data, and the server marks the one it creates its stores in.
        const bool restore = p.words.size() == 1 && p.words[0] == "restore";
        if (!restore && !p.data_dir.empty() && data_layout_of(p.data_dir) != 0)
            upgrade_data_layout(p.data_dir, [&](const std::string& line) {
                io.err << "ocop-admin: " << line << "\n";
            });
        return dispatch(p, io, pbkdf2_iterations);
    } catch (const UsageError& e) {
        io.err << "ocop-admin: " << e.message << " (see ocop-admin --help)\n";
        return 2;
    } catch (const Error& e) {
        io.err << "ocop-admin: " << e.code() << ": " << e.what() << "\n";
        return 1;
    } catch (const Poco::Exception& e) {
        io.err << "ocop-admin: " << e.displayText() << "\n";
        return 1;
    } catch (const std::exception& e) {
        io.err << "ocop-admin: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace ocop::server
