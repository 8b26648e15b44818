// Fuzzes the HTTP handling of the server: the input is an HTTP request as it arrives on a
// connection (header, then body). Poco parses the header; the real Router and RequestHandler with
// the real /v1/sync, /v1/login and /v1/health routes answer it, against a seeded server on a
// temporary data directory (fuzz_server.hpp). Invariants, for every request Poco's own parser
// accepts: the handler throws nothing, sends exactly one answer, never a 5xx (bad input is the
// client's error), every 4xx is a JSON {"error":{"code","message"}} and every 200 a JSON object.
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>

#include "fake_http.hpp"
#include "fuzz_check.hpp"
#include "fuzz_server.hpp"
#include "ocop/sync/gzip.hpp"

using ocop::fuzz::check;
using ocop::fuzz::fail;
using Poco::Net::HTTPResponse;

namespace {

std::string answer_body(const ocop::fuzz::FakeResponse& response) {
    std::string body = response.body();
    if (response.get("Content-Encoding", "") != "gzip") return body;
    try {
        return ocop::sync::gzip_decompress(body, 256 << 20);
    } catch (const ocop::Error& e) {
        fail(std::string("the server's gzip answer does not inflate: ") + e.what());
    }
}

void check_answer(const ocop::fuzz::FakeResponse& response, const std::string& logged) {
    const int status = static_cast<int>(response.getStatus());
    const std::string body = answer_body(response);
    const std::string what = "status " + std::to_string(status) + " body " + body.substr(0, 500) +
                             (logged.empty() ? "" : "\nserver log: " + logged);
    check(response.answers() == 1,
          "exactly one answer (got " + std::to_string(response.answers()) + "): " + what);
    check(status < 500, "no 5xx for a request: " + what);
    check(response.getContentType() == "application/json", "a JSON answer: " + what);
    const auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    check(doc.is_object(), "the answer is a JSON object: " + what);
    if (status >= 400) {
        const auto error = doc.find("error");
        check(error != doc.end() && error->is_object(), "an error answer has 'error': " + what);
        const auto code = error->find("code");
        const auto message = error->find("message");
        check(code != error->end() && code->is_string() && !code->get<std::string>().empty(),
              "an error has a code: " + what);
        check(message != error->end() && message->is_string(), "an error has a message: " + what);
    } else {
        check(status == 200, "a success is 200: " + what);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // One server for the whole process: creating it (stores, demo province) takes a second.
    static ocop::fuzz::FuzzServer server;
    server.tick();

    std::istringstream wire(std::string(reinterpret_cast<const char*>(data), size));
    ocop::fuzz::FakeResponse response;
    std::unique_ptr<ocop::fuzz::FakeRequest> request;
    try {
        request = std::make_unique<ocop::fuzz::FakeRequest>(wire, response);
    } catch (const Poco::Exception&) {
        return 0;  // Poco's HTTPServerConnection answers 400 itself; no handler runs
    }
    server.last_logged_error();  // forget what earlier requests logged

    // What HTTPServerConnection does before it calls the handler.
    response.setVersion(request->getVersion());
    response.setKeepAlive(request->getKeepAlive());
    if (request->getExpectContinue() && response.getStatus() == HTTPResponse::HTTP_OK)
        response.sendContinue();

    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
        server.router().createRequestHandler(*request));
    try {
        handler->handleRequest(*request, response);
    } catch (const std::exception& e) {
        fail(std::string("the request handler threw: ") + e.what());
    } catch (...) {
        fail("the request handler threw a non-exception");
    }
    check_answer(response, server.last_logged_error());
    return 0;
}
