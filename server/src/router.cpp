#include "ocop/server/router.hpp"

#include <Poco/Net/HTTPServerRequest.h>

#include "ocop/server/request_handler.hpp"

namespace ocop::server {

Router::Router(Poco::Logger& access_log, RequestServices services)
    : access_log_(access_log), services_(services) {}

Router& Router::add(std::string path, std::unique_ptr<Route> route) {
    routes_[std::move(path)] = std::move(route);
    return *this;
}

Poco::Net::HTTPRequestHandler* Router::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
    const std::string& uri = request.getURI();
    std::string path = uri.substr(0, uri.find_first_of("?#"));
    auto it = routes_.find(path);
    // A route registered with a trailing '/' serves every path below it (/v1/blobs/<name>);
    // its requests are counted under that prefix, not under each name.
    if (it == routes_.end())
        for (auto r = routes_.begin(); r != routes_.end(); ++r)
            if (r->first.ends_with('/') && path.size() > r->first.size() &&
                path.starts_with(r->first))
                it = r;
    auto* handler = new RequestHandler(it == routes_.end() ? nullptr : it->second.get(),
                                       std::move(path), access_log_, services_);
    if (it != routes_.end()) handler->count_as(it->first);
    return handler;
}

}  // namespace ocop::server
