// Security issue hole 4: a body with invalid UTF-8 is answered 400 with a JSON error (it used to
// get no answer: the error body could not be written as JSON), the rejection is stored in the
// audit trail as valid UTF-8, and `ocop-admin audit` prints whatever the trail holds, even bytes
// stored before it kept only valid UTF-8.
#include <sqlite3.h>

#include <sstream>

#include "live_server_fixture.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/server/admin_cli.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
namespace errc = ocop::errc;

namespace {

// Bytes that are not UTF-8: a lone continuation byte, a truncated sequence, an invalid lead.
const std::string kBadBytes = "\x80\xC3(\xFF";

struct AdminRun {
    int status = -1;
    std::string out, err;
};

AdminRun audit(const std::string& data, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data", data, "audit"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::istringstream in;
    std::ostringstream out, err;
    AdminRun r;
    r.status = run_admin(args, AdminIo{in, out, err, false}, kTestIterations);
    r.out = out.str();
    r.err = err.str();
    return r;
}

}  // namespace

TEST_CASE("invalid UTF-8 in a body is answered 400 as JSON and audited as valid UTF-8",
          "[server][http][utf8]") {
    LiveServer live;

    SECTION("in a sync body: 400 sync.malformed, the audit entry holds only valid UTF-8") {
        const std::string body = "{\"v\":1,\"replica\":\"phone-" + kBadBytes + "\"}";
        const Reply r = post_json(live.port, "/v1/sync", body, live.bearer());
        CHECK(r.status == 400);
        CHECK(r.error_code() == errc::sync_malformed);  // the body parses as JSON
        CHECK(ocop::is_valid_utf8(r.body));

        AuditQuery q;
        q.outcome = "rejected";
        const auto entries = live.server.audit().query(q);
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].code == errc::sync_malformed);
        CHECK(ocop::is_valid_utf8(entries[0].message));
        // The offending byte the parser stopped at is kept, escaped.
        CHECK(entries[0].message.find("\\x") != std::string::npos);
    }
    SECTION("in a login body: 400 http.bad_json") {
        const std::string body = "{\"user\":\"can.bo." + kBadBytes + "\",\"password\":\"x\"}";
        const Reply r = post_json(live.port, "/v1/login", body);
        CHECK(r.status == 400);
        CHECK(r.error_code() == errc::http_bad_json);
        CHECK(ocop::is_valid_utf8(r.body));
    }
    // The server still answers on (the failed answer used to leave the connection hanging).
    CHECK(get(live.port, "/v1/health").status == 200);
}

TEST_CASE("ocop-admin audit prints the trail whatever bytes it holds", "[server][admin][utf8]") {
    LiveServer live;
    const std::string body = "{\"v\":1,\"replica\":\"" + kBadBytes + "\"}";
    REQUIRE(post_json(live.port, "/v1/sync", body, live.bearer()).status == 400);
    live.server.stop();
    const std::string data = live.server.options().data_dir;

    // An entry written with raw bytes, as the server stored them before this fix.
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open((std::filesystem::path(data) / "audit.db").string().c_str(), &db) ==
                SQLITE_OK);
        const std::string sql =
            "INSERT INTO audit(received_ms, user, device_id, replica, remote_address, seq, "
            "outcome, code, message, changes) VALUES (1795420800000, '" +
            kUser + "', 'dev-" + kBadBytes +
            "', 'phone', '127.0.0.1', 0, 'rejected', "
            "'sync.malformed', 'not valid JSON: last read: ''" +
            kBadBytes + "''', 0)";
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        INFO((error ? error : ""));
        sqlite3_free(error);
        sqlite3_close(db);
        REQUIRE(rc == SQLITE_OK);
    }

    for (const auto& extra :
         std::vector<std::vector<std::string>>{{}, {"--outcome", "rejected"}, {"--user", kUser}}) {
        const AdminRun r = audit(data, extra);
        INFO("args: " << nlohmann::json(extra).dump() << " err: " << r.err);
        REQUIRE(r.status == 0);
        CHECK(ocop::is_valid_utf8(r.out));
        const auto list = nlohmann::json::parse(r.out);
        REQUIRE(list.size() == 2);
        for (const auto& entry : list) CHECK(entry["outcome"] == "rejected");
    }
}
