// The request handler's guarantees, with routes made to misbehave: whatever a route throws, the
// client gets a JSON error with a stable code (never an HTML page or a dropped connection), and
// internal details stay in the log. Also the small parsers the routes rely on.
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <stdexcept>

#include "ocop/core/error_codes.hpp"
#include "ocop/server/http_response.hpp"
#include "ocop/server/router.hpp"
#include "ocop/server/routes/sync_route.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;
namespace errc = ocop::errc;
using Poco::Net::HTTPResponse;

namespace {

// A route that fails the way it is told to.
class FailingRoute final : public Route {
  public:
    enum class How { std_exception, poco_exception, ocop_transient, non_exception, no_answer };
    explicit FailingRoute(How how) : how_(how) {}
    const std::string& method() const override { return Poco::Net::HTTPRequest::HTTP_GET; }
    void handle(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&, Exchange&) override {
        switch (how_) {
            case How::std_exception:
                throw std::runtime_error("secret-detail in a std exception");
            case How::poco_exception:
                throw Poco::IOException("secret-detail in a Poco exception");
            case How::ocop_transient:
                throw ocop::Error(ocop::ErrorKind::transient, errc::store_busy, "store is busy");
            case How::non_exception:
                throw 42;
            case How::no_answer:
                return;
        }
    }

  private:
    How how_;
};

struct MisbehavingServer {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress("127.0.0.1", 0)};
    Poco::Net::HTTPServer server;

    static Poco::Net::HTTPRequestHandlerFactory::Ptr router() {
        auto* r = new Router(Poco::Logger::get("ocop.test.http"));
        using How = FailingRoute::How;
        r->add("/std", std::make_unique<FailingRoute>(How::std_exception))
            .add("/poco", std::make_unique<FailingRoute>(How::poco_exception))
            .add("/busy", std::make_unique<FailingRoute>(How::ocop_transient))
            .add("/int", std::make_unique<FailingRoute>(How::non_exception))
            .add("/silent", std::make_unique<FailingRoute>(How::no_answer));
        return Poco::Net::HTTPRequestHandlerFactory::Ptr(r);
    }

    MisbehavingServer() : server(router(), socket, new Poco::Net::HTTPServerParams) {
        Poco::Logger::get("ocop.test.http").setLevel(Poco::Message::PRIO_FATAL);  // quiet tests
        server.start();
    }
    ~MisbehavingServer() { server.stopAll(true); }
    uint16_t port() const { return socket.address().port(); }
};

}  // namespace

TEST_CASE("anything a route throws becomes a JSON error, never a crash", "[server][http]") {
    MisbehavingServer s;
    for (const char* path : {"/std", "/poco", "/int", "/silent"}) {
        const Reply r = get(s.port(), path);
        INFO("path " << path << " body " << r.body);
        CHECK(r.status == 500);
        CHECK(r.header("content-type") == "application/json");
        CHECK(r.error_code() == errc::internal_error);
        CHECK(r.body.find("secret-detail") == std::string::npos);
    }
    // An ocop::Error keeps its code and gets the status of its kind.
    const Reply busy = get(s.port(), "/busy");
    CHECK(busy.status == 503);
    CHECK(busy.error_code() == errc::store_busy);
    // The server survived all of it.
    CHECK(get(s.port(), "/std").status == 500);
}

TEST_CASE("error kinds map to HTTP statuses", "[server][http]") {
    using K = ocop::ErrorKind;
    CHECK(status_for(K::invalid_input) == HTTPResponse::HTTP_BAD_REQUEST);
    CHECK(status_for(K::not_found) == HTTPResponse::HTTP_NOT_FOUND);
    CHECK(status_for(K::conflict) == HTTPResponse::HTTP_CONFLICT);
    CHECK(status_for(K::unauthorized) == HTTPResponse::HTTP_UNAUTHORIZED);
    CHECK(status_for(K::forbidden) == HTTPResponse::HTTP_FORBIDDEN);
    CHECK(status_for(K::too_large) == HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE);
    CHECK(status_for(K::transient) == HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
    CHECK(status_for(K::internal) == HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
}

TEST_CASE("Accept-Encoding and Authorization headers are parsed strictly", "[server][http]") {
    CHECK(accepts_gzip("gzip"));
    CHECK(accepts_gzip("GZIP"));
    CHECK(accepts_gzip("deflate, gzip;q=0.5"));
    CHECK(accepts_gzip("*"));
    CHECK(accepts_gzip("x-gzip"));
    CHECK_FALSE(accepts_gzip(""));
    CHECK_FALSE(accepts_gzip("identity"));
    CHECK_FALSE(accepts_gzip("deflate"));
    CHECK_FALSE(accepts_gzip("gzip;q=0"));
    CHECK_FALSE(accepts_gzip("gzip; q=0.0, *"));  // an explicit refusal beats the wildcard
    CHECK_FALSE(accepts_gzip("*;q=0"));
    CHECK_FALSE(accepts_gzip("gzipped"));

    CHECK(bearer_token("Bearer abc-DEF_123") == "abc-DEF_123");
    CHECK(bearer_token("bearer   abc ") == "abc");
    CHECK(bearer_token("Bearer") == "");
    CHECK(bearer_token("Bearer ") == "");
    CHECK(bearer_token("Basic abc") == "");
    CHECK(bearer_token("") == "");
}
