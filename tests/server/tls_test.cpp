// The transport rule (tls.hpp): HTTPS with both files, plain HTTP only when asked for and only on
// a loopback address. HTTPS itself is tested end to end with the real binaries
// (tests/e2e/tls_e2e_test.cpp).
#include <Poco/Exception.h>

#include <fstream>

#include "ocop/server/tls.hpp"
#include "server_test_support.hpp"

using namespace ocop::server;
using namespace ocop::server::test;

namespace {

bool allowed(const std::string& listen, const std::string& cert, const std::string& key,
             bool plain_http) {
    const auto problem = transport_problem(listen, cert, key, plain_http);
    INFO(listen << ": " << problem.value_or("allowed"));
    return !problem;
}

}  // namespace

TEST_CASE("plain HTTP is allowed only when asked for, and only on a loopback address",
          "[server][tls]") {
    CHECK(allowed("127.0.0.1", "", "", true));
    CHECK(allowed("127.1.2.3", "", "", true));  // all of 127.0.0.0/8
    CHECK(allowed("::1", "", "", true));
    CHECK(allowed("localhost", "", "", true));  // resolved as the server binds it
    CHECK_FALSE(allowed("0.0.0.0", "", "", true));
    CHECK_FALSE(allowed("::", "", "", true));
    CHECK_FALSE(allowed("10.0.0.5", "", "", true));
    CHECK_FALSE(allowed("192.168.1.10", "", "", true));
    CHECK_FALSE(allowed("127.0.0.1", "", "", false));  // not asked for: TLS files are required
    CHECK(transport_problem("0.0.0.0", "", "", true)->find("loopback") != std::string::npos);
}

TEST_CASE("HTTPS needs both files, readable, and not plain HTTP as well", "[server][tls]") {
    TempDir dir("ocop-server-tls");
    const std::string cert = (dir.path() / "cert.pem").string();
    const std::string key = (dir.path() / "key.pem").string();
    std::ofstream(cert) << "not checked here";
    std::ofstream(key) << "not checked here";
    CHECK(allowed("0.0.0.0", cert, key, false));
    CHECK(allowed("127.0.0.1", cert, key, false));
    CHECK_FALSE(allowed("0.0.0.0", cert, "", false));
    CHECK_FALSE(allowed("0.0.0.0", "", key, false));
    CHECK_FALSE(allowed("0.0.0.0", cert, (dir.path() / "missing.pem").string(), false));
    CHECK_FALSE(allowed("127.0.0.1", cert, key, true));  // ambiguous: refused
    // Files that are not PEM are refused with a message naming them.
    std::string message;
    try {
        make_server_tls_context(cert, key);
    } catch (const Poco::InvalidArgumentException& e) {
        message = e.message();
    }
    CHECK(message.find("cannot load the TLS certificate '" + cert) != std::string::npos);
}
