// Who may move which blob (docs/attachments.md, "Authorisation"). A blob is reachable only through
// the records that reference it: a device uploads a blob only when one of its own writes (a
// current blob field whose stamp is the device's replica) references it, and fetches one only
// when a record it may hold (the scope policy, for the user's grants) references it. So records
// sync first, and a blob nobody references cannot be pushed to the server or read from it.
#pragma once

#include <string>
#include <vector>

#include "ocop/core/schema.hpp"
#include "ocop/core/store.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/scope_policy.hpp"

namespace ocop::server {

class BlobAccess {
  public:
    // `scope` null: every record is visible to every device (tests without the domain).
    BlobAccess(Store& store, const Schema& schema, const sync::ScopePolicy* scope);

    bool may_upload(const std::string& ref, const sync::Principal& who);
    bool may_download(const std::string& ref, const sync::Principal& who);

  private:
    struct Holder {
        std::string collection;
        std::string id;
        std::string writer;  // the replica whose write set the field
    };
    // Live records whose blob fields hold `ref` (at most a bounded number: enough to decide).
    std::vector<Holder> holders(const std::string& ref);

    Store& store_;
    const sync::ScopePolicy* scope_;
    std::vector<std::pair<std::string, std::string>> blob_fields_;  // (collection, field)
};

}  // namespace ocop::server
