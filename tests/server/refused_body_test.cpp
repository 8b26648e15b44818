// Security issue hole 8: a body the server refuses unread (beyond the size limit, a gzip bomb,
// a push without a token) is answered, and the client reads that answer: after answering, the
// server reads and drops the rest of the body (bounded) before it closes, instead of closing
// with unread bytes, which makes the kernel reset the connection under the client's feet.
#include "live_server_fixture.hpp"
#include "ocop/core/error_codes.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
namespace errc = ocop::errc;

namespace {

// 17 MiB: one MiB beyond the production limit of a sync body, sent whole by the client.
const std::string& seventeen_mib() {
    static const std::string body = [] {
        std::string b = "{\"v\":1,\"pad\":\"";
        b.append(17 * 1024 * 1024, 'x');
        return b + "\"}";
    }();
    return body;
}

}  // namespace

TEST_CASE("a body refused as too large is answered 413, not cut", "[server][http][limits]") {
    LiveServer live;
    REQUIRE(seventeen_mib().size() > ocop::sync::tuning::max_request_body_bytes);

    SECTION("17 MiB to /v1/sync with a device token") {
        const Reply r = post_json(live.port, "/v1/sync", seventeen_mib(), live.bearer());
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
        CHECK_FALSE(r.keep_alive);
    }
    SECTION("17 MiB to /v1/sync without a token: the 401 arrives") {
        const Reply r = post_json(live.port, "/v1/sync", seventeen_mib());
        CHECK(r.status == 401);
        CHECK(r.error_code() == errc::auth_missing_token);
    }
    SECTION("17 MiB to /v1/login") {
        const Reply r = post_json(live.port, "/v1/login", seventeen_mib());
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
    }
    SECTION("a gzip bomb to /v1/login (64 KiB inflating to 63 MiB)") {
        const std::string bomb = ocop::sync::gzip_compress(std::string(63 * 1024 * 1024, ' '), 9);
        REQUIRE(bomb.size() > tuning::max_login_body_bytes);
        const Reply r = post_json(live.port, "/v1/login", bomb, {{"Content-Encoding", "gzip"}});
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
    }
    SECTION("a small gzip bomb to /v1/login, under the body limit") {
        const std::string bomb = ocop::sync::gzip_compress(std::string(1024 * 1024, ' '), 9);
        REQUIRE(bomb.size() <= tuning::max_login_body_bytes);
        const Reply r = post_json(live.port, "/v1/login", bomb, {{"Content-Encoding", "gzip"}});
        CHECK(r.status == 413);
        CHECK(r.error_code() == errc::http_body_too_large);
    }
    // The server serves on.
    CHECK(live.honest_sync(1).status == 200);
}
