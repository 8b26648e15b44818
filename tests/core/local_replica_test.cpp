// The local write path: validation, stamping, bases, tombstones and persistence of the replica.
#include <catch2/catch.hpp>

#include <string>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/tuning.hpp"
#include "test_support.hpp"

using nlohmann::json;
using ocop::Changeset;
using ocop::FieldValues;
using ocop::LocalReplica;
using ocop::LocalTransaction;
using ocop::SqliteStore;
using ocop::Stamp;
using ocop::StoreTxn;
using ocop::test::describe;
using ocop::test::error_code_of;
using ocop::test::ManualClock;
using ocop::test::uuid_for;
namespace meta_key = ocop::meta_key;

using ocop::test::kT0;

namespace {

struct Device {
    explicit Device(const std::string& path = ":memory:", int64_t now = kT0)
        : clock(now), store(path), replica(store, ocop::test::test_schema(), clock.fn(), "dev-a") {}
    ManualClock clock;
    SqliteStore store;
    LocalReplica replica;

    Changeset put(const std::string& id, const FieldValues& fields,
                  const std::string& collection = "farm") {
        LocalTransaction t;
        t.put(collection, id, fields);
        return replica.commit(t);
    }
    Changeset remove(const std::string& id) {
        LocalTransaction t;
        t.remove("farm", id);
        return replica.commit(t);
    }
    std::string seq_meta() { return store.meta(meta_key::changeset_seq).value_or("<none>"); }
};

const ocop::FieldChange* field_of(const Changeset& cs, const std::string& id,
                                  const std::string& field) {
    for (const auto& r : cs.records)
        if (r.id == id)
            for (const auto& f : r.fields)
                if (f.field == field) return &f;
    return nullptr;
}

}  // namespace

TEST_CASE("replica: commit stamps, stores and queues one changeset", "[replica]") {
    Device d;
    CHECK(d.replica.id() == "dev-a");
    CHECK(d.store.meta(meta_key::replica_id) == std::optional<std::string>("dev-a"));
    const std::string id = uuid_for(1);
    const Changeset cs = d.put(id, {{"name", "Trại Tân Cương"}, {"workers", 12}});

    CHECK(cs.replica == "dev-a");
    CHECK(cs.seq == 1);
    CHECK(cs.schema_version == 3);
    CHECK(cs.hlc == ocop::Hlc{kT0, 0});
    REQUIRE(cs.records.size() == 1);
    CHECK(cs.records[0].collection == "farm");
    CHECK(cs.records[0].id == id);
    CHECK(cs.change_count() == 2);
    REQUIRE(field_of(cs, id, "name") != nullptr);
    CHECK(field_of(cs, id, "name")->value == "Trại Tân Cương");
    CHECK_FALSE(field_of(cs, id, "name")->base.has_value());
    CHECK(field_of(cs, id, "workers")->value == 12);

    const auto rec = d.store.read("farm", id);
    REQUIRE(rec.has_value());
    CHECK(rec->get("name") == "Trại Tân Cương");
    CHECK(rec->fields.at("name").stamp == Stamp{{kT0, 0}, "dev-a"});
    CHECK(rec->fields.at("workers").stamp == Stamp{{kT0, 0}, "dev-a"});

    REQUIRE(d.store.outbox_size() == 1);
    CHECK(describe(d.store.outbox(10)[0]) == describe(cs));
    CHECK(d.seq_meta() == "1");
    CHECK(d.store.meta(meta_key::hlc_last) ==
          std::optional<std::string>(std::to_string(cs.hlc.packed())));
}

TEST_CASE("replica: changesets are numbered 1, 2, 3 with increasing clocks", "[replica]") {
    Device d;  // the physical clock never moves
    ocop::Hlc prev{};
    for (uint64_t i = 1; i <= 5; ++i) {
        const Changeset cs = d.put(uuid_for(i), {{"name", "n" + std::to_string(i)}});
        CHECK(cs.seq == i);
        CHECK(cs.hlc > prev);
        prev = cs.hlc;
        CHECK(d.seq_meta() == std::to_string(i));
    }
    CHECK(d.store.outbox_size() == 5);
    const auto out = d.store.outbox(10);
    for (size_t i = 0; i < out.size(); ++i) CHECK(out[i].seq == i + 1);
}

TEST_CASE("replica: bases are the stamps the writer saw", "[replica]") {
    Device d;
    const std::string id = uuid_for(1);
    const Changeset first = d.put(id, {{"name", "A"}, {"workers", 1}});
    // A change from the server arrives for another field.
    const Stamp server_stamp{{kT0 + 5, 0}, "server"};
    d.store.write([&](StoreTxn& t) { t.merge("farm", id, "area", 7.5, server_stamp); });
    d.clock.advance(10);

    const Changeset second = d.put(id, {{"name", "B"}, {"area", 8.0}, {"organic", true}});
    REQUIRE(field_of(second, id, "name"));
    CHECK(field_of(second, id, "name")->base == std::optional<Stamp>(first.stamp()));
    CHECK(field_of(second, id, "area")->base == std::optional<Stamp>(server_stamp));
    CHECK_FALSE(field_of(second, id, "organic")->base.has_value());
    CHECK(field_of(second, id, "workers") == nullptr);  // untouched fields are not sent

    const auto rec = d.store.read("farm", id);
    CHECK(rec->get("name") == "B");
    CHECK(rec->get("area") == 8.0);
    CHECK(rec->fields.at("area").stamp == second.stamp());
    CHECK(rec->fields.at("workers").stamp == first.stamp());
}

TEST_CASE("replica: commit refuses invalid transactions and stores nothing", "[replica]") {
    Device d;
    const std::string id = uuid_for(1);
    const Changeset first = d.put(id, {{"name", "A"}});
    const auto before = ocop::test::snapshot(d.store);
    const auto head = d.store.head();

    auto commit_error = [&](const std::function<void(LocalTransaction&)>& build) {
        LocalTransaction t;
        build(t);
        return error_code_of([&] { d.replica.commit(t); });
    };
    const std::string fresh = uuid_for(2);

    CHECK(commit_error([](LocalTransaction&) {}) == "changeset.empty");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("ghost", fresh, {{"name", "x"}});
          }) == "schema.unknown_collection");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", "farm-2", {{"name", "x"}});
          }) == "record.bad_id");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", "123E4567-E89B-42D3-A456-426614174000", {{"name", "x"}});
          }) == "record.bad_id");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", "x"}, {"workers", "many"}});
          }) == "value.type_mismatch");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", "x"}, {"grade", "z"}});
          }) == "value.not_in_enum");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", "x"}, {"founded", "2025-02-29"}});
          }) == "value.bad_format");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", std::string(21, 'x')}});
          }) == "value.too_long");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", "x"}, {"colour", "red"}});
          }) == "schema.unknown_field");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"workers", 3}});
          }) == "value.required_missing");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", id, {{"name", nullptr}});
          }) == "value.required_missing");
    // One bad record spoils the whole transaction, whichever order the records come in.
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", fresh, {{"name", "good"}});
              t.put("farm", id, {{"workers", 1.5}});
          }) == "value.type_mismatch");
    CHECK(commit_error([&](LocalTransaction& t) {
              t.put("farm", uuid_for(0), {{"name", "good"}});
              t.put("farm", fresh, {{"workers", 1}});
          }) == "value.required_missing");

    CHECK(ocop::test::snapshot(d.store) == before);
    CHECK(d.store.head() == head);
    CHECK(d.store.outbox_size() == 1);
    CHECK(d.seq_meta() == "1");

    // The counter was not advanced by the refusals.
    const Changeset next = d.put(fresh, {{"name", "ok"}});
    CHECK(next.seq == 2);
    CHECK(next.hlc > first.hlc);
}

TEST_CASE("replica: text that is not valid UTF-8 is refused with an ocop::Error", "[replica]") {
    Device d;
    const std::string bad_utf8 = "Tr\xE1\xBA";  // "Trạ" cut in the middle of a character
    CHECK_THROWS_AS(d.put(uuid_for(1), {{"name", bad_utf8}}), ocop::Error);
    CHECK(d.store.head() == 0);
    CHECK(d.store.outbox_size() == 0);
}

TEST_CASE("replica: partial updates keep required fields from the stored record", "[replica]") {
    Device d;
    const std::string id = uuid_for(1);
    d.put(id, {{"name", "A"}});
    const Changeset cs = d.put(id, {{"workers", 4}});
    CHECK(cs.change_count() == 1);
    CHECK(d.store.read("farm", id)->get("name") == "A");
    CHECK(d.store.read("farm", id)->get("workers") == 4);
    // Clearing an optional field stores null.
    d.put(id, {{"workers", nullptr}});
    CHECK(d.store.read("farm", id)->get("workers").is_null());
    CHECK(d.store.read("farm", id)->fields.count("workers") == 1);
}

TEST_CASE("replica: remove writes the tombstone, deleted and missing records are refused",
          "[replica]") {
    Device d;
    const std::string id = uuid_for(1);
    d.put(id, {{"name", "A"}, {"workers", 2}});
    d.clock.advance(1);
    const Changeset rm = d.remove(id);
    CHECK(rm.seq == 2);
    REQUIRE(field_of(rm, id, "_deleted") != nullptr);
    CHECK(field_of(rm, id, "_deleted")->value == true);
    CHECK_FALSE(field_of(rm, id, "_deleted")->base.has_value());
    CHECK(rm.change_count() == 1);

    const auto rec = d.store.read("farm", id);
    REQUIRE(rec.has_value());
    CHECK(rec->deleted());
    CHECK(rec->fields.at("_deleted").stamp == rm.stamp());
    CHECK(rec->get("name") == "A");  // the values stay, hidden by the tombstone
    CHECK(d.store.query("farm", {}, 10, "").empty());

    CHECK(error_code_of([&] { d.put(id, {{"workers", 3}}); }) == "record.deleted");
    CHECK(error_code_of([&] { d.remove(id); }) == "record.deleted");
    CHECK(error_code_of([&] { d.remove(uuid_for(99)); }) == "record.not_found");
    CHECK_FALSE(d.store.read("farm", uuid_for(99)).has_value());
    CHECK(d.seq_meta() == "2");
    CHECK(d.store.outbox_size() == 2);

    // A tombstone from a remote replica blocks local edits the same way.
    const std::string other = uuid_for(2);
    d.put(other, {{"name", "B"}});
    d.store.write([&](StoreTxn& t) {
        t.merge("farm", other, "_deleted", true, Stamp{{kT0 + 100, 0}, "server"});
    });
    CHECK(error_code_of([&] { d.put(other, {{"name", "C"}}); }) == "record.deleted");
}

TEST_CASE("replica: id, counter and clock survive reopening the store", "[replica]") {
    ocop::test::TempDir dir;
    const std::string path = dir.file("device.db");
    Changeset last;
    {
        Device d(path, kT0 + 3'600'000);
        d.put(uuid_for(1), {{"name", "A"}});
        last = d.put(uuid_for(1), {{"name", "B"}});
        REQUIRE(last.seq == 2);
    }
    // The device restarts with its clock an hour behind, and a different id on offer.
    ManualClock clock(kT0);
    SqliteStore store(path);
    LocalReplica replica(store, ocop::test::test_schema(), clock.fn(), "dev-other");
    CHECK(replica.id() == "dev-a");
    CHECK(replica.clock().last() == last.hlc);

    LocalTransaction t;
    t.put("farm", uuid_for(1), {{"name", "C"}});
    const Changeset next = replica.commit(t);
    CHECK(next.replica == "dev-a");
    CHECK(next.seq == 3);
    CHECK(next.hlc > last.hlc);
    const auto rec = store.read("farm", uuid_for(1));
    CHECK(rec->get("name") == "C");
    CHECK(rec->fields.at("name").stamp == next.stamp());
    CHECK(field_of(next, uuid_for(1), "name")->base == std::optional<Stamp>(last.stamp()));
    CHECK(store.outbox_size() == 3);
    CHECK(store.integrity_check() == "ok");
}

TEST_CASE("replica: observe merges remote clocks within the tolerance only", "[replica]") {
    Device d;
    const ocop::Hlc too_far{kT0 + ocop::tuning::max_clock_ahead_ms + 1, 0};
    CHECK_FALSE(d.replica.observe(too_far));
    CHECK(d.put(uuid_for(1), {{"name", "A"}}).hlc == ocop::Hlc{kT0, 0});

    const ocop::Hlc ahead{kT0 + 60'000, 4};
    CHECK(d.replica.observe(ahead));
    const Changeset cs = d.put(uuid_for(2), {{"name", "B"}});
    CHECK(cs.hlc > ahead);
}

TEST_CASE("replica: new record ids are UUIDv7 from the physical clock", "[replica]") {
    Device d;
    d.clock.set(0x0123456789AB);
    const std::string a = d.replica.new_record_id();
    const std::string b = d.replica.new_record_id();
    CHECK(ocop::is_uuid(a));
    CHECK(a[14] == '7');
    CHECK(a.substr(0, 13) == "01234567-89ab");
    CHECK(a != b);
    // A new id is accepted by commit.
    CHECK(d.put(a, {{"name", "x"}}).records[0].id == a);
}
