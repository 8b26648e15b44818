#include "ocop/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <regex>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/stored_number.hpp"

namespace ocop::pg {

Result& Result::operator=(Result&& other) noexcept {
    if (this != &other) {
        if (r_) PQclear(r_);
        r_ = other.r_;
        other.r_ = nullptr;
    }
    return *this;
}

Result::~Result() {
    if (r_) PQclear(r_);
}

int Result::rows() const noexcept {
    return r_ ? PQntuples(r_) : 0;
}

bool Result::is_null(int row, int col) const noexcept {
    return PQgetisnull(r_, row, col) != 0;
}

std::string_view Result::text(int row, int col) const noexcept {
    return {PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col))};
}

int64_t Result::i64(int row, int col) const {
    return stored_i64(std::string(text(row, col)), PQfname(r_, col));
}

uint64_t Result::u64(int row, int col) const {
    return stored_u64(std::string(text(row, col)), PQfname(r_, col));
}

uint64_t Result::affected() const {
    const char* n = PQcmdTuples(r_);
    return n && *n ? stored_u64(std::string(n), "affected rows") : 0;
}

std::string redacted(const std::string& url) {
    static const std::regex in_url(R"((postgres(?:ql)?://[^:/@]*:)[^@]*@)");
    static const std::regex in_keywords(R"((password\s*=\s*)\S+)");
    return std::regex_replace(std::regex_replace(url, in_url, "$1***@"), in_keywords, "$1***");
}

void throw_pg(pg_conn* conn, pg_result* res, std::string_view context) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg =
        std::string(context) + ": " +
        (res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (res) PQclear(res);
    const std::string_view s = state ? std::string_view(state) : std::string_view();
    // The transaction is rolled back in every case below, so nothing was written: a retry is
    // safe wherever the kind says transient.
    if (s == "53100")
        throw Error(ErrorKind::transient, errc::store_full,
                    "the database's disk is full, nothing was written (" + msg + ")");
    if (s == "40001" || s == "40P01" || s == "55P03" || s.starts_with("53") || s == "57P03")
        throw Error(ErrorKind::transient, errc::store_busy, msg);
    if (s.starts_with("08") || s == "57P01" || s == "57P02" ||
        (!state && conn && PQstatus(conn) == CONNECTION_BAD))
        throw Error(ErrorKind::transient, errc::store_io,
                    "the database could not be reached, nothing was written (" + msg + ")");
    if (s == "XX001" || s == "XX002") throw Error(ErrorKind::internal, errc::store_corrupt, msg);
    throw Error(ErrorKind::internal, errc::store_io, msg);
}

Connection::Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!why.empty() && why.back() == '\n') why.pop_back();
        if (conn_) PQfinish(conn_);
        conn_ = nullptr;
        throw Error(ErrorKind::transient, errc::store_io,
                    "cannot connect to PostgreSQL at " + redacted(url) + ": " + why);
    }
    // Our own notices (CREATE ... IF NOT EXISTS) are not worth a line on stderr each.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
}

Connection::~Connection() {
    if (conn_) PQfinish(conn_);
}

bool Connection::broken() const noexcept {
    return !conn_ || PQstatus(conn_) == CONNECTION_BAD;
}

void Connection::exec(std::string_view sql) {
    const std::string text(sql);
    PGresult* r = PQexec(conn_, text.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_pg(conn_, r, "exec");
    PQclear(r);
}

namespace {

Result checked(pg_conn* conn, PGresult* r, std::string_view context) {
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw_pg(conn, r, context);
    return Result(r);
}

struct ParamArrays {
    explicit ParamArrays(const std::vector<Param>& params) {
        values.reserve(params.size());
        for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    }
    std::vector<const char*> values;
};

}  // namespace

Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
    const ParamArrays a(params);
    return checked(conn_,
                   PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                a.values.data(), nullptr, nullptr, 0),
                   "query");
}

Result Connection::run(const Statement& st, const std::vector<Param>& params) {
    if (!prepared_.contains(st.name)) {
        checked(conn_, PQprepare(conn_, st.name, st.sql, static_cast<int>(params.size()), nullptr),
                std::string("prepare ") + st.name);
        prepared_.insert(st.name);
    }
    const ParamArrays a(params);
    return checked(conn_,
                   PQexecPrepared(conn_, st.name, static_cast<int>(params.size()), a.values.data(),
                                  nullptr, nullptr, 0),
                   st.name);
}

void Connection::copy_in(const std::string& copy_sql, std::string_view data) {
    PGresult* r = PQexec(conn_, copy_sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) throw_pg(conn_, r, "copy");
    PQclear(r);
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1)
        throw_pg(conn_, nullptr, "copy data");
    checked(conn_, PQgetResult(conn_), "copy end");
    while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
}

std::string quote_ident(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string quote_literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + '\'';
}

}  // namespace ocop::pg
