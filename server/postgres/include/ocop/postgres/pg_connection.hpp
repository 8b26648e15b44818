// A PostgreSQL connection (libpq) with the few things our stores need: statements with text
// parameters, prepared once per connection by name, results read through helpers that fail with
// store.corrupt instead of a silently wrong number, and PostgreSQL's errors mapped onto the same
// store.* codes the SQLite stores use (store.full, store.busy, store.io), so callers and the HTTP
// layer cannot tell which backend answered.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace ocop::pg {

// One parameter: text, or SQL NULL.
using Param = std::optional<std::string>;

class Result {
  public:
    explicit Result(pg_result* r) noexcept : r_(r) {}
    Result(Result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
    Result& operator=(Result&& other) noexcept;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;
    ~Result();

    int rows() const noexcept;
    bool is_null(int row, int col) const noexcept;
    std::string_view text(int row, int col) const noexcept;
    // A number column read back; anything but a whole number in range is store.corrupt.
    int64_t i64(int row, int col) const;
    uint64_t u64(int row, int col) const;
    // Rows changed by an INSERT/UPDATE/DELETE.
    uint64_t affected() const;

  private:
    pg_result* r_;
};

// A statement with a name: prepared on a connection the first time it runs there.
struct Statement {
    const char* name;
    const char* sql;
};

class Connection {
  public:
    // Connects (a libpq URL or key=value string). Throws Error store.io (transient) if the server
    // cannot be reached, naming it without the password.
    explicit Connection(const std::string& url);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // One or more statements without parameters (schema, BEGIN, COMMIT).
    void exec(std::string_view sql);
    // A statement with parameters, unprepared (rare statements, DDL built at run time).
    Result query(const std::string& sql, const std::vector<Param>& params = {});
    // A named statement, prepared on first use on this connection.
    Result run(const Statement& st, const std::vector<Param>& params = {});
    // COPY ... FROM STDIN with rows already in COPY text format.
    void copy_in(const std::string& copy_sql, std::string_view data);

    // True when the connection broke (the server went away): the pool replaces it.
    bool broken() const noexcept;
    pg_conn* handle() noexcept { return conn_; }

  private:
    pg_conn* conn_ = nullptr;
    std::unordered_set<std::string> prepared_;
};

// Throws the Error for a failed result (its SQLSTATE mapped to a store.* code).
[[noreturn]] void throw_pg(pg_conn* conn, pg_result* res, std::string_view context);

// The URL without its password, for messages and logs.
std::string redacted(const std::string& url);

// Quotes an SQL identifier or literal (for DDL built at run time: views, roles).
std::string quote_ident(std::string_view name);
std::string quote_literal(std::string_view text);

}  // namespace ocop::pg
