// Who sent a request. Behind a reverse proxy on the same host (haproxy in front of several
// processes: packaging/haproxy/ocop-server.cfg) every connection comes from the proxy's address,
// so the login throttle, the audit trail and the access log would see one client. For a peer the
// configuration names as a trusted proxy (server.trusted_proxies, --trusted-proxy) the client is
// the address that proxy appended to X-Forwarded-For (haproxy's `option forwardfor`); a header
// from any other peer is ignored, since anyone can send one.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <string>
#include <string_view>
#include <vector>

namespace ocop::server {

class TrustedProxies {
  public:
    TrustedProxies() = default;
    explicit TrustedProxies(std::vector<Poco::Net::IPAddress> proxies)
        : proxies_(std::move(proxies)) {}
    // A comma-separated list of IP addresses ("127.0.0.1, ::1"); an empty list trusts no one.
    // Throws Poco::InvalidArgumentException naming the entry that is not an address.
    static TrustedProxies parse(std::string_view list);

    bool empty() const noexcept { return proxies_.empty(); }
    bool trusts(const Poco::Net::IPAddress& peer) const;
    // The client of a request that came from `peer` with this X-Forwarded-For value (empty when
    // the request had none): `peer` itself unless it is trusted; else, reading the header from its
    // right end (the hop nearest to us), the first address that is not a trusted proxy. A header
    // that does not parse there, or names only proxies, leaves `peer`: a proxy that forwards
    // must append a valid address, and what lies left of it was written by the client.
    Poco::Net::IPAddress client_of(const Poco::Net::IPAddress& peer,
                                   std::string_view forwarded_for) const;
    const std::vector<Poco::Net::IPAddress>& addresses() const noexcept { return proxies_; }

  private:
    std::vector<Poco::Net::IPAddress> proxies_;
};

}  // namespace ocop::server
