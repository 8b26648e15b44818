// Every route through a real Poco HTTPServer (ocop::server::Server on port 0 of the loopback) and
// Poco's HTTPClientSession: status, JSON body and stable error code of each answer, and one
// changeset pushed, stored and pulled back over HTTP.
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/server/server.hpp"
#include "ocop/sync/wire.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;
namespace errc = ocop::errc;

namespace {

// Small limits so that "too large" costs kilobytes, not the production megabytes.
constexpr size_t kMaxBody = 64 * 1024;
constexpr size_t kMaxInflated = 256 * 1024;

ServerOptions test_options(const std::filesystem::path& data) {
    ServerOptions o;
    o.data_dir = data.string();
    o.listen = "127.0.0.1";
    // Plain HTTP is allowed on loopback; HTTPS is tested end to end (tests/e2e/tls_e2e_test.cpp).
    o.plain_http = true;
    o.port = 0;
    o.pbkdf2_iterations = kTestIterations;
    o.limits = BodyLimits{kMaxBody, kMaxInflated};
    o.max_threads = 4;
    return o;
}

struct Fixture {
    TempDir dir{"ocop-server-routes"};
    Server server{test_options(dir.path() / "data")};
    uint16_t port = 0;

    Fixture() {
        server.accounts().add_user("can.bo.xa", "mat-khau-xa-2026");
        server.start();
        port = server.port();
    }

    Reply login(const std::string& user, const std::string& password, const std::string& replica) {
        return post_json(port, "/v1/login",
                         json{{"user", user},
                              {"password", password},
                              {"replica", replica},
                              {"device_name", "test"},
                              {"app_version", "tests/0.1.0"}}
                             .dump());
    }
    std::string token_for(const std::string& replica) {
        const Reply r = login("can.bo.xa", "mat-khau-xa-2026", replica);
        REQUIRE(r.status == 200);
        return r.json()["token"].get<std::string>();
    }
};

ocop::Changeset province_changeset(const std::string& replica, uint64_t seq,
                                   const std::string& id) {
    ocop::Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = ocop::builtin_schema().version();
    cs.hlc = ocop::Hlc{ocop::system_physical_clock()(), 0};
    cs.records.push_back(ocop::RecordChange{"admin_unit",
                                            id,
                                            {{"code", "89", std::nullopt},
                                             {"name", "Tỉnh An Giang", std::nullopt},
                                             {"level", "province", std::nullopt},
                                             {"valid_from", "2025-07-01", std::nullopt}}});
    return cs;
}

ocop::sync::SyncRequest sync_request(const std::string& replica) {
    ocop::sync::SyncRequest req;
    req.replica = replica;
    req.schema_version = ocop::builtin_schema().version();
    req.app_version = "tests/0.1.0";
    req.hlc = ocop::Hlc{ocop::system_physical_clock()(), 0};
    return req;
}

std::map<std::string, std::string> bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

}  // namespace

TEST_CASE("health answers JSON with the server id, head and version", "[server][http]") {
    TempDir dir("ocop-server-health");
    std::string first_id;
    {
        Server server(test_options(dir.path()));
        server.start();
        const Reply r = get(server.port(), "/v1/health");
        REQUIRE(r.status == 200);
        CHECK(r.header("content-type") == "application/json");
        const json doc = r.json();
        CHECK(doc["status"] == "ok");
        CHECK(doc["version"] == server_version);
        CHECK(doc["head"] == 0);
        first_id = doc["server_id"].get<std::string>();
        CHECK(ocop::is_uuid(first_id));
        CHECK(first_id == server.server_id());
    }
    // The id was persisted: the same database keeps its id across restarts.
    Server again(test_options(dir.path()));
    again.start();
    CHECK(get(again.port(), "/v1/health").json()["server_id"] == first_id);
}

TEST_CASE("login enrols a device and refuses bad credentials alike", "[server][http]") {
    Fixture f;
    const int64_t before = ocop::system_physical_clock()();
    const Reply ok = f.login("can.bo.xa", "mat-khau-xa-2026", "phone-a");
    REQUIRE(ok.status == 200);
    const json doc = ok.json();
    CHECK(doc["user"] == "can.bo.xa");
    CHECK(doc["server_id"] == f.server.server_id());
    CHECK(ocop::is_uuid(doc["device_id"].get<std::string>()));
    CHECK(doc["token"].get<std::string>().size() == 43);
    CHECK(doc["server_time_ms"].get<int64_t>() >= before);
    CHECK(doc["server_time_ms"].get<int64_t>() <= ocop::system_physical_clock()());

    const Reply wrong = f.login("can.bo.xa", "mat-khau-sai-2026", "phone-a");
    const Reply unknown = f.login("khong.ai.ca", "mat-khau-xa-2026", "phone-b");
    CHECK(wrong.status == 401);
    CHECK(unknown.status == 401);
    CHECK(wrong.error_code() == errc::auth_bad_credentials);
    CHECK(unknown.error_code() == errc::auth_bad_credentials);
    CHECK(wrong.json()["error"]["message"] == unknown.json()["error"]["message"]);

    const Reply not_json = post_json(f.port, "/v1/login", "{\"user\":");
    CHECK(not_json.status == 400);
    CHECK(not_json.error_code() == errc::http_bad_json);
    const Reply no_replica =
        post_json(f.port, "/v1/login", json{{"user", "can.bo.xa"}, {"password", "x"}}.dump());
    CHECK(no_replica.status == 400);
    CHECK(no_replica.error_code() == errc::http_bad_json);
    const Reply array = post_json(f.port, "/v1/login", "[]");
    CHECK(array.status == 400);
    CHECK(array.error_code() == errc::http_bad_json);
}

TEST_CASE("sync refuses requests without a valid device token", "[server][http]") {
    Fixture f;
    const std::string body = ocop::sync::wire::encode(sync_request("phone-a"));

    // Refused before its body was read; the body is drained so the connection stays usable:
    // the next request on it is parsed from the right bytes, not from the leftover body.
    const auto session = make_session(f.port);
    const Reply none = http(*session, Call{"POST", "/v1/sync", body, {}, std::nullopt});
    CHECK(none.status == 401);
    CHECK(none.error_code() == errc::auth_missing_token);
    CHECK(none.header("www-authenticate") == "Bearer");
    CHECK(none.keep_alive);
    const Reply next = http(*session, Call{"GET", "/v1/health", std::nullopt, {}, std::nullopt});
    CHECK(next.status == 200);
    CHECK(next.json()["status"] == "ok");

    const Reply basic = post_json(f.port, "/v1/sync", body, {{"Authorization", "Basic eDp5"}});
    CHECK(basic.status == 401);
    CHECK(basic.error_code() == errc::auth_missing_token);

    const Reply bad = post_json(f.port, "/v1/sync", body, bearer("not-a-real-token"));
    CHECK(bad.status == 401);
    CHECK(bad.error_code() == errc::auth_invalid_token);

    // A token issued to one replica does not sync as another.
    const std::string token = f.token_for("phone-a");
    const Reply other = post_json(f.port, "/v1/sync",
                                  ocop::sync::wire::encode(sync_request("phone-b")), bearer(token));
    CHECK(other.status == 403);
    CHECK(other.error_code() == errc::sync_replica_mismatch);
}

TEST_CASE("request bodies: size limit, gzip and malformed JSON", "[server][http]") {
    Fixture f;
    const auto auth = bearer(f.token_for("phone-a"));

    SECTION("a declared body beyond the limit is refused before it is read") {
        // Only the headers are sent: an answer proves the server did not wait for the body.
        auto headers = auth;
        headers["Content-Type"] = "application/json";
        const Reply r = http(f.port, Call{"POST", "/v1/sync", std::nullopt, headers,
                                          static_cast<long long>(kMaxBody) + 1});
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
        CHECK_FALSE(r.keep_alive);  // the unread body makes the connection unusable
    }
    SECTION("a body at the limit is read (and judged on its content)") {
        const std::string padded = "{\"v\":1,\"pad\":\"" + std::string(kMaxBody - 16, 'x') + "\"}";
        REQUIRE(padded.size() <= kMaxBody);
        const Reply r = post_json(f.port, "/v1/sync", padded, auth);
        CHECK(r.status == 400);
        CHECK(r.error_code() == errc::sync_malformed);
    }
    SECTION("gzip that inflates beyond the limit is refused") {
        const std::string bomb = ocop::sync::gzip_compress(std::string(kMaxInflated + 1, ' '));
        REQUIRE(bomb.size() < kMaxBody);
        auto headers = auth;
        headers["Content-Encoding"] = "gzip";
        const Reply r = post_json(f.port, "/v1/sync", bomb, headers);
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
    }
    SECTION("corrupt gzip and unknown encodings are 400 http.bad_encoding") {
        auto headers = auth;
        headers["Content-Encoding"] = "gzip";
        const Reply corrupt = post_json(f.port, "/v1/sync", "this is not gzip at all", headers);
        CHECK(corrupt.status == 400);
        CHECK(corrupt.error_code() == errc::http_bad_encoding);
        headers["Content-Encoding"] = "br";
        const Reply brotli = post_json(f.port, "/v1/sync", "{}", headers);
        CHECK(brotli.status == 400);
        CHECK(brotli.error_code() == errc::http_bad_encoding);
    }
    SECTION("malformed JSON and wrong shapes are 400 sync.malformed") {
        for (const char* body : {"{\"v\":1,", "[1,2,3]", "{\"v\":1}"}) {
            const Reply r = post_json(f.port, "/v1/sync", body, auth);
            INFO("body " << body);
            CHECK(r.status == 400);
            CHECK(r.error_code() == errc::sync_malformed);
        }
    }
}

TEST_CASE("unknown paths are 404 and wrong methods 405, as JSON", "[server][http]") {
    Fixture f;
    const Reply missing = get(f.port, "/v1/nothing-here");
    CHECK(missing.status == 404);
    CHECK(missing.header("content-type") == "application/json");
    CHECK(missing.error_code() == errc::http_not_found);
    CHECK(get(f.port, "/").status == 404);

    const Reply get_sync = get(f.port, "/v1/sync");
    CHECK(get_sync.status == 405);
    CHECK(get_sync.error_code() == errc::http_method_not_allowed);
    CHECK(get_sync.header("allow") == "POST");
    const Reply post_health = post_json(f.port, "/v1/health", "{}");
    CHECK(post_health.status == 405);
    CHECK(post_health.header("allow") == "GET");
    // A query string does not change the route.
    CHECK(get(f.port, "/v1/health?verbose=1").status == 200);
}

TEST_CASE("a changeset pushed over HTTP is stored once and pulled back", "[server][http]") {
    Fixture f;
    const auto auth = bearer(f.token_for("phone-a"));
    const std::string id = ocop::UuidV7Generator(42).next(ocop::system_physical_clock()());
    // A new province's administrator, granted the province id before the unit exists.
    f.server.accounts().add_grant("can.bo.xa", {"administrator", id});

    ocop::sync::SyncRequest req = sync_request("phone-a");
    req.changesets.push_back(province_changeset("phone-a", 1, id));
    req.pull = ocop::sync::PullRequest{0, 0, 0};
    auto headers = auth;
    headers["Content-Encoding"] = "gzip";
    headers["Accept-Encoding"] = "gzip";
    const std::string body = ocop::sync::gzip_compress(ocop::sync::wire::encode(req));

    const Reply r = post_json(f.port, "/v1/sync", body, headers);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-encoding") == "gzip");  // asked for, so compressed
    const ocop::sync::SyncResponse resp = ocop::sync::wire::decode_response(r.body);
    CHECK(resp.server_id == f.server.server_id());
    REQUIRE(resp.results.size() == 1);
    CHECK(resp.results[0].seq == 1);
    CHECK(resp.results[0].outcome == ocop::sync::Outcome::applied);
    CHECK_FALSE(resp.results[0].duplicate);
    CHECK(resp.results[0].applied == 4);
    REQUIRE(resp.pull);
    CHECK(resp.pull->cells.size() == 4);
    CHECK_FALSE(resp.pull->more);
    for (const auto& cell : resp.pull->cells) {
        CHECK(cell.record_id == id);
        CHECK(cell.current.stamp.replica == "phone-a");
    }

    // Stored in the server's store, and visible in the health head.
    const auto record = f.server.store().read("admin_unit", id);
    REQUIRE(record);
    CHECK(record->get("name") == "Tỉnh An Giang");
    const uint64_t head = get(f.port, "/v1/health").json()["head"].get<uint64_t>();
    CHECK(head >= 4);

    // The same push again (answer lost, device retries): answered from the receipt, not applied.
    const Reply retry = post_json(f.port, "/v1/sync", body, headers);
    REQUIRE(retry.status == 200);
    const auto again = ocop::sync::wire::decode_response(retry.body);
    REQUIRE(again.results.size() == 1);
    CHECK(again.results[0].duplicate);
    CHECK(get(f.port, "/v1/health").json()["head"].get<uint64_t>() == head);

    // Without Accept-Encoding the answer is plain JSON.
    ocop::sync::SyncRequest pull_only = sync_request("phone-a");
    pull_only.pull = ocop::sync::PullRequest{head, 0, 0};
    const Reply plain = post_json(f.port, "/v1/sync", ocop::sync::wire::encode(pull_only), auth);
    REQUIRE(plain.status == 200);
    CHECK(plain.header("content-encoding").empty());
    CHECK(ocop::sync::wire::decode_response(plain.body).pull->cells.empty());
}
