// ocop-desk-bench [--size N] [--runs R]: the dashboard's pages timed on the demo province scaled
// to N records (default 100,000), written by `ocop-demo --out DIR/ocop.db --size N` and served by
// a real Server on loopback. Prints, per page and viewer (the province's `demo`, the commune's
// `demo.xa`), the median and the worst of R requests (default 5) as the client saw them on
// loopback, against the target of 300 ms server time. Figures, not a test: it never fails on
// them.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "ocop/server/demo_accounts.hpp"
#include "ocop/server/server.hpp"

namespace {

using ocop::bench::Stopwatch;

struct Answer {
    int status = 0;
    std::string cookie;
    size_t bytes = 0;
};

Answer request(uint16_t port, const std::string& method, const std::string& path,
               const std::string& cookie, const std::string& body = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(120, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!cookie.empty()) req.set("Cookie", cookie);
    if (!body.empty()) {
        req.setContentType("application/x-www-form-urlencoded");
        req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::string text;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), text);
    Answer a;
    a.status = static_cast<int>(resp.getStatus());
    a.bytes = text.size();
    const std::string set = resp.get("Set-Cookie", "");
    a.cookie = set.substr(0, set.find(';'));
    return a;
}

}  // namespace

int main(int argc, char** argv) {
    size_t size = 100'000;
    int runs = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--size")
            size = std::strtoull(argv[i + 1], nullptr, 10);
        else if (arg == "--runs")
            runs = std::atoi(argv[i + 1]);
    }
    if (size == 0 || runs < 1) {
        std::cerr << "usage: ocop-desk-bench [--size N] [--runs R]\n";
        return 2;
    }
    const auto dir = ocop::bench::fresh_temp_dir("ocop-desk-bench");
    std::filesystem::create_directories(dir / "data");
    Stopwatch seeding;
    const std::string demo = std::string(OCOP_DEMO_BIN) + " --out " +
                             (dir / "data/ocop.db").string() + " --size " + std::to_string(size) +
                             " > /dev/null";
    if (std::system(demo.c_str()) != 0) {
        std::cerr << "ocop-desk-bench: " << demo << " failed\n";
        return 1;
    }
    const double seed_s = seeding.seconds();

    ocop::server::ServerOptions o;
    o.data_dir = (dir / "data").string();
    o.listen = "127.0.0.1";
    o.plain_http = true;
    o.port = 0;
    ocop::server::Server server(o);
    ocop::server::ensure_demo_accounts(server);
    server.start();
    const uint16_t port = server.port();

    std::printf(
        "ocop-desk-bench: demo province of %zu records (ocop-demo: %.1f s), %d runs per "
        "page; target: 300 ms\n",
        size, seed_s, runs);
    std::printf("  %-10s %-40s %10s %10s %8s %10s\n", "viewer", "page", "median ms", "worst ms",
                "status", "bytes");
    int over = 0;
    for (const char* user : {ocop::server::demo_user, ocop::server::demo_commune_user}) {
        const Answer login =
            request(port, "POST", "/desk/session", "",
                    std::string("user=") + user + "&password=" + ocop::server::demo_password);
        if (login.status != 303 || login.cookie.empty()) {
            std::cerr << "ocop-desk-bench: login of " << user << " answered " << login.status
                      << "\n";
            return 1;
        }
        for (const char* page :
             {"/desk/products", "/desk/products?stars=4", "/desk/products?q=long+xuyen",
              "/desk/certificates?state=window", "/desk/evaluations", "/desk/inspections",
              "/desk/conflicts", "/desk/refused", "/desk/devices", "/desk/progress",
              "/desk/export?list=products&format=xlsx"}) {
            std::vector<double> ms;
            Answer a;
            for (int r = 0; r < runs; ++r) {
                Stopwatch watch;
                a = request(port, "GET", page, login.cookie);
                ms.push_back(watch.seconds() * 1000);
            }
            std::sort(ms.begin(), ms.end());
            const double median = ms[ms.size() / 2];
            if (median > 300) ++over;
            std::printf("  %-10s %-40s %10.1f %10.1f %8d %10zu\n", user, page, median, ms.back(),
                        a.status, a.bytes);
        }
    }
    std::printf("  pages over the 300 ms target (median): %d\n", over);
    server.stop();
    std::filesystem::remove_all(dir);
    return 0;
}
