#include "ocop/server/client_address.hpp"

#include <Poco/Exception.h>
#include <Poco/String.h>

#include <algorithm>

namespace ocop::server {

namespace {

std::string trimmed(std::string_view s) {
    return Poco::trim(std::string(s));
}

}  // namespace

TrustedProxies TrustedProxies::parse(std::string_view list) {
    std::vector<Poco::Net::IPAddress> proxies;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        const std::string entry = trimmed(list.substr(start, comma - start));
        if (!entry.empty()) {
            Poco::Net::IPAddress address;
            if (!Poco::Net::IPAddress::tryParse(entry, address))
                throw Poco::InvalidArgumentException("trusted proxy '" + entry +
                                                     "' is not an IP address");
            proxies.push_back(address);
        }
        start = comma + 1;
    }
    return TrustedProxies(std::move(proxies));
}

bool TrustedProxies::trusts(const Poco::Net::IPAddress& peer) const {
    return std::find(proxies_.begin(), proxies_.end(), peer) != proxies_.end();
}

Poco::Net::IPAddress TrustedProxies::client_of(const Poco::Net::IPAddress& peer,
                                               std::string_view forwarded_for) const {
    if (!trusts(peer)) return peer;
    size_t end = forwarded_for.size();
    while (end > 0) {
        const size_t comma = forwarded_for.rfind(',', end - 1);
        const size_t begin = comma == std::string_view::npos ? 0 : comma + 1;
        const std::string entry = trimmed(forwarded_for.substr(begin, end - begin));
        Poco::Net::IPAddress hop;
        if (!Poco::Net::IPAddress::tryParse(entry, hop)) return peer;
        if (!trusts(hop)) return hop;
        if (comma == std::string_view::npos) break;
        end = comma;
    }
    return peer;
}

}  // namespace ocop::server
