// A browser as the desk's tests need it: a session cookie, the CSRF token of the last page, and
// form posts. Over the test suite's HTTP client (tests/server/server_test_support.hpp).
#pragma once

#include <regex>
#include <set>
#include <string>

#include "server_test_support.hpp"

namespace ocop::server::desk_test {

using test::Call;
using test::Reply;

struct DeskClient {
    uint16_t port = 0;
    std::string cookie;  // "ocop_desk=..."
    std::string csrf;

    Reply get(const std::string& path) {
        Call c;
        c.path = path;
        if (!cookie.empty()) c.headers["Cookie"] = cookie;
        Reply r = test::http(port, c);
        remember_csrf(r.body);
        return r;
    }
    Reply post(const std::string& path, const std::string& form,
               std::map<std::string, std::string> headers = {}) {
        Call c;
        c.method = Poco::Net::HTTPRequest::HTTP_POST;
        c.path = path;
        c.body = form;
        headers.emplace("Content-Type", "application/x-www-form-urlencoded");
        if (!cookie.empty()) headers.emplace("Cookie", cookie);
        c.headers = std::move(headers);
        return test::http(port, c);
    }
    // Logs in; the answer (303 on success) is returned.
    Reply login(const std::string& user, const std::string& password) {
        Reply r = post("/desk/session", "user=" + user + "&password=" + password);
        const std::string set = r.header("set-cookie");
        if (r.status == 303 && !set.empty()) {
            cookie = set.substr(0, set.find(';'));
            get("/desk/products");  // the CSRF token of the session
        }
        return r;
    }
    void remember_csrf(const std::string& html) {
        static const std::regex token("name=\"csrf\" value=\"([^\"]+)\"");
        std::smatch m;
        if (std::regex_search(html, m, token)) csrf = m[1];
    }
};

// The record ids a page lists (its rows and conflict sections carry data-id).
inline std::set<std::string> listed_ids(const std::string& html) {
    static const std::regex id("data-id=\"([^\"]+)\"");
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), id); it != std::sregex_iterator();
         ++it)
        out.insert((*it)[1]);
    return out;
}

// The number of rows a list page reports ("N dòng").
inline int row_count(const std::string& html) {
    static const std::regex count("<p class=\"count\">([0-9]+) dòng");
    std::smatch m;
    return std::regex_search(html, m, count) ? std::stoi(m[1]) : -1;
}

}  // namespace ocop::server::desk_test
