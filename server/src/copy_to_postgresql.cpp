#include "ocop/server/copy_to_postgresql.hpp"

#include <sqlite3.h>

#include <Poco/File.h>
#include <Poco/Path.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
#include "ocop/postgres/pg_account_store.hpp"
#include "ocop/postgres/pg_audit_log.hpp"
#include "ocop/postgres/pg_transaction.hpp"
#include "ocop/postgres/pg_views.hpp"
#include "ocop/server/data_layout.hpp"

namespace ocop::server {

namespace {

using Row = std::vector<std::optional<std::string>>;

// What is copied: every table the server writes, file by file. The device-only tables of the
// data store (outbox, retained, quarantine) are empty on a server and not copied.
struct Table {
    const char* file;
    const char* name;
};
constexpr Table kTables[] = {{"ocop.db", "replicas"},           {"ocop.db", "cells"},
                             {"ocop.db", "applied_changesets"}, {"ocop.db", "meta"},
                             {"accounts.db", "users"},          {"accounts.db", "devices"},
                             {"accounts.db", "grants"},         {"audit.db", "audit"}};

// Keys of the SQLite data store's meta that describe the SQLite file itself: its format, and
// its scope index (docs/storage.md), which PostgreSQL does not keep.
bool sqlite_only_meta(const std::string& key) {
    return key == "store_format" || key == "scope_index";
}

// The columns copied: every column but those of the SQLite file's own indexes (cells.scope).
std::vector<std::string> sqlite_columns(sqlite::Db& db, const char* table) {
    auto q = db.prepare(std::string("SELECT name FROM pragma_table_info('") + table + "')");
    std::vector<std::string> out;
    while (q.step())
        if (!(std::string_view(table) == "cells" && q.text(0) == "scope"))
            out.emplace_back(q.text(0));
    return out;
}

std::vector<Row> sqlite_rows(sqlite::Db& db, const char* table,
                             const std::vector<std::string>& columns) {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", \"" : "\"") + columns[i] + "\"";
    sql += std::string(" FROM ") + table;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
        sqlite::throw_sqlite(db.handle(), sqlite3_errcode(db.handle()), table);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(st, sqlite3_finalize);
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        Row row;
        for (int i = 0; i < static_cast<int>(columns.size()); ++i)
            if (sqlite3_column_type(st, i) == SQLITE_NULL)
                row.emplace_back(std::nullopt);
            else
                row.emplace_back(
                    std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)),
                                static_cast<size_t>(sqlite3_column_bytes(st, i))));
        if (std::string(table) == "meta" && sqlite_only_meta(*row[0])) continue;
        rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) sqlite::throw_sqlite(db.handle(), rc, table);
    return rows;
}

// COPY's text format: tab-separated, \N for NULL, backslash escapes.
std::string copy_text(const std::vector<Row>& rows) {
    std::string out;
    for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            if (i) out += '\t';
            if (!row[i]) {
                out += "\\N";
                continue;
            }
            for (char c : *row[i]) {
                switch (c) {
                    case '\\':
                        out += "\\\\";
                        break;
                    case '\t':
                        out += "\\t";
                        break;
                    case '\n':
                        out += "\\n";
                        break;
                    case '\r':
                        out += "\\r";
                        break;
                    default:
                        out += c;
                }
            }
        }
        out += '\n';
    }
    return out;
}

// The same rows read back from PostgreSQL, booleans as SQLite stores them (0/1).
std::vector<Row> pg_rows(pg::Connection& c, const std::string& schema, const char* table,
                         const std::vector<std::string>& columns) {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) {
        const pg::Result type = c.query(
            "SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND "
            "table_name = $2 AND column_name = $3",
            {schema, std::string(table), columns[i]});
        const bool boolean = type.rows() == 1 && type.text(0, 0) == "boolean";
        sql += (i ? ", " : "") + pg::quote_ident(columns[i]) + (boolean ? "::int::text" : "::text");
    }
    sql += " FROM " + pg::quote_ident(schema) + "." + table;
    if (std::string(table) == "meta")
        sql += " WHERE key NOT LIKE '%layout' AND key <> 'views'";  // PostgreSQL's own keys
    const pg::Result r = c.query(sql);
    std::vector<Row> rows;
    for (int i = 0; i < r.rows(); ++i) {
        Row row;
        for (int j = 0; j < static_cast<int>(columns.size()); ++j)
            row.emplace_back(r.is_null(i, j)
                                 ? std::nullopt
                                 : std::optional<std::string>(std::string(r.text(i, j))));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

nlohmann::json copy_to_postgresql(const std::string& data_dir, const pg::StoreOptions& target) {
    const auto file = [&](const char* name) {
        return Poco::Path(data_dir).append(Poco::Path(name)).toString();
    };
    if (data_layout_of(data_dir) == 0 && !Poco::File(file("ocop.db")).exists())
        throw Error(ErrorKind::not_found, errc::store_io,
                    "no server data directory at " + data_dir + " (wrong --data?)");
    for (const char* name : {"ocop.db", "accounts.db", "audit.db"})
        sqlite::require_intact(file(name));
    upgrade_data_layout(data_dir, [](const std::string&) {});

    // The server must be stopped: each file is held in exclusive locking mode for the copy, so
    // nothing is written to it meanwhile (a change after the copy would be lost with it).
    std::map<std::string, std::unique_ptr<sqlite::Db>> sources;
    for (const char* name : {"ocop.db", "accounts.db", "audit.db"}) {
        auto db = std::make_unique<sqlite::Db>(file(name), sqlite::Durability::full, 8);
        sqlite3_busy_timeout(db->handle(), 0);
        db->exec("PRAGMA locking_mode=EXCLUSIVE");
        try {
            db->exec("BEGIN EXCLUSIVE");
        } catch (const Error&) {
            throw Error(ErrorKind::conflict, errc::store_in_use,
                        file(name) +
                            " is open in another process: stop ocop-server on this data "
                            "directory before copying it");
        }
        sources.emplace(name, std::move(db));
    }

    // The target's layout, every store's, empty.
    {
        pg::PgStore data(target);
        pg::PgAccountStore accounts(data);
        pg::PgAuditLog audit(data);
    }
    pg::Connection c(target.url);
    c.exec(pg::search_path_sql(target.schema));
    const pg::Result held = c.query(
        "SELECT (SELECT COUNT(*) FROM cells) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) "
        "FROM audit)");
    if (held.i64(0, 0) != 0)
        throw Error(ErrorKind::conflict, errc::store_not_empty,
                    "the PostgreSQL schema " + target.schema +
                        " already holds records, users or audit entries: nothing was copied "
                        "(give an empty --database-schema)");

    nlohmann::json copied = nlohmann::json::object();
    {
        pg::Transaction txn(c);
        for (const auto& t : kTables) {
            sqlite::Db& db = *sources.at(t.file);
            const auto columns = sqlite_columns(db, t.name);
            const auto rows = sqlite_rows(db, t.name, columns);
            std::string list;
            for (const auto& col : columns)
                list += (list.empty() ? "" : ", ") + pg::quote_ident(col);
            if (std::string(t.name) == "meta") {
                for (const auto& row : rows)
                    c.query(
                        "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO "
                        "UPDATE SET value = excluded.value",
                        {row[0], row[1]});
            } else if (!rows.empty()) {
                c.copy_in("COPY " + std::string(t.name) + "(" + list + ") FROM STDIN",
                          copy_text(rows));
            }
            // Verified before anything commits: the same rows, value for value.
            auto want = rows;
            auto got = pg_rows(c, target.schema, t.name, columns);
            std::sort(want.begin(), want.end());
            std::sort(got.begin(), got.end());
            if (want != got)
                throw Error(ErrorKind::internal, errc::store_corrupt,
                            std::string("the copy of ") + t.file + " " + t.name +
                                " differs from the original (" + std::to_string(want.size()) +
                                " rows, " + std::to_string(got.size()) +
                                " copied): nothing was committed");
            copied[std::string(t.name)] = rows.size();
        }
        // Numbers handed out from now on continue after the copied ones.
        for (const auto& [table, column] :
             {std::pair{"replicas", "number"}, std::pair{"audit", "id"}})
            c.exec(std::string("SELECT setval(pg_get_serial_sequence(") +
                   pg::quote_literal(target.schema + "." + table) + ", " +
                   pg::quote_literal(column) + "), COALESCE((SELECT MAX(" + column + ") FROM " +
                   table + "), 0) + 1, false)");
        txn.commit();
    }
    for (auto& [name, db] : sources) db->exec("COMMIT");
    const std::string views = pg::ensure_views(c, builtin_schema(), target.schema);
    return {{"from", data_dir},
            {"to", pg::redacted(target.url)},
            {"schema", target.schema},
            {"copied", copied},
            {"verified", "every row of every table, value for value"},
            {"views", views}};
}

}  // namespace ocop::server
