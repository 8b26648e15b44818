// A rule every changeset must satisfy, checked where it is written (the device, before it is
// stored, so the officer learns at once) and again where it is received (the server, which trusts
// no device). Rules see the store as the changeset would find it.
#pragma once

#include "ocop/core/changeset.hpp"
#include "ocop/core/store.hpp"

namespace ocop {

class ChangesetRule {
  public:
    virtual ~ChangesetRule() = default;
    // Throws ocop::Error naming the collection, field and rule when `cs` may not be applied.
    virtual void check(StoreTxn& txn, const Changeset& cs) const = 0;
};

}  // namespace ocop
