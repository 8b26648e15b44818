// /v1/blobs/sha256:<hex>: attachments, resumable at byte granularity (protocol in
// ocop/sync/blob_protocol.hpp, docs/attachments.md). HEAD says how much of a blob the server holds,
// PATCH appends a chunk at that offset (each piece read from the socket is stored at once, so a
// cut keeps every byte that arrived), GET sends it (from a Range offset). Uploads are verified
// against the name before the blob becomes visible; who may move which blob is BlobAccess's.
#pragma once

#include "ocop/server/blob_access.hpp"
#include "ocop/server/blob_store.hpp"
#include "ocop/server/route.hpp"
#include "ocop/server/server_context.hpp"

namespace ocop::server {

class BlobRoute final : public Route {
  public:
    BlobRoute(ServerContext& context, BlobStore& blobs, BlobAccess& access)
        : context_(context), blobs_(blobs), access_(access) {}
    const std::string& method() const override;  // the Allow header's list
    bool accepts(std::string_view method) const override;
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange) override;

  private:
    void status(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                const std::string& hex);
    void upload(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                Exchange& exchange, const std::string& hex);
    void download(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  Exchange& exchange, const std::string& hex);

    ServerContext& context_;
    BlobStore& blobs_;
    BlobAccess& access_;
};

}  // namespace ocop::server
