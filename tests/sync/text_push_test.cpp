// A pushed changeset holding text that is not NFC is refused, not rewritten: rewriting would
// leave the sending device's stored copy different from the server's with nothing to sync back.
#include <catch2/catch.hpp>

#include <string>

#include "ocop/core/error_codes.hpp"
#include "sync_test_support.hpp"

using ocop::Changeset;
using ocop::FieldChange;
using ocop::FieldValues;
using ocop::Hlc;
using ocop::RecordChange;
using ocop::sync::Outcome;
using ocop::sync::Principal;
using ocop::sync::SyncRequest;
using ocop::sync::SyncResponse;
using ocop::sync::test::kT0;
using ocop::sync::test::Server;
using ocop::sync::test::unit_fields;
using ocop::sync::test::uuid_for;
namespace errc = ocop::errc;

namespace {

Changeset unit_changeset(uint64_t seq, const std::string& id, const FieldValues& fields) {
    Changeset cs;
    cs.replica = "dev-x";
    cs.seq = seq;
    cs.schema_version = 1;
    cs.hlc = Hlc{kT0, static_cast<uint32_t>(seq)};
    RecordChange rc{"admin_unit", id, {}};
    for (const auto& [name, value] : fields) rc.fields.push_back(FieldChange{name, value, {}});
    cs.records.push_back(std::move(rc));
    return cs;
}

}  // namespace

TEST_CASE("sync service: a pushed value that is not NFC is refused with value.not_nfc",
          "[service][text]") {
    Server s;
    const std::string composed = "Ch\xE1\xBB\xA3 Long Xuy\xC3\xAAn";
    const std::string decomposed = "Cho\xCC\x9B\xCC\xA3 Long Xuye\xCC\x82n";
    SyncRequest req;
    req.replica = "dev-x";
    req.schema_version = 1;
    req.app_version = "test";
    req.changesets = {unit_changeset(1, uuid_for(1), unit_fields("LX", decomposed)),
                      unit_changeset(2, uuid_for(2), unit_fields("LY", composed))};
    req.hlc = req.changesets.back().hlc;
    const SyncResponse resp = s.service.handle(req, Principal{"officer-x", "phone-x", "dev-x"});
    REQUIRE(resp.results.size() == 2);
    CHECK(resp.results[0].outcome == Outcome::refused);
    CHECK(resp.results[0].code == errc::value_not_nfc);
    CHECK(resp.results[0].message.find("admin_unit.name") != std::string::npos);
    CHECK(resp.results[1].outcome == Outcome::applied);
    CHECK_FALSE(s.store.read("admin_unit", uuid_for(1)).has_value());
    const auto stored = s.store.read("admin_unit", uuid_for(2));
    REQUIRE(stored);
    CHECK(stored->get("name") == composed);
}
