// No echo (issue #18, item 4): a device's own writes do not come back in its pulls, the cursor
// moves past them all the same, other devices get them, and what the server wrote (conflict
// records, a resolution made on the server) does come back to the writer.
#include <catch2/catch.hpp>

#include "../../bench/realistic_data.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "sync_test_support.hpp"

using namespace ocop;
using namespace ocop::sync;
using namespace ocop::sync::test;
namespace sync_meta = ocop::sync::meta_key;

namespace {

// A commune officer's day: `records` inspections of 10 fields, one changeset each.
void write_day(Device& d, int records, uint64_t seed) {
    bench::InspectionGenerator gen(seed);
    for (int i = 0; i < records; ++i) {
        LocalTransaction t;
        FieldValues fields;
        for (const auto& f : gen.inspection_fields()) fields[f.field] = f.value;
        t.put("inspection", gen.new_id(kT0 + i), fields);
        d.replica.commit(t);
    }
}

size_t cells_of(const Snapshot& s, const std::string& replica) {
    size_t n = 0;
    for (const auto& [key, cell] : s) n += cell.stamp.replica == replica ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("no echo: a day pushed in one request does not come back; another device gets it",
          "[client][echo]") {
    Server s;
    Device a(s, "dev-a");
    write_day(a, 300, 18);
    const SyncReport pushed = a.sync();
    INFO(pushed.error_code << ": " << pushed.error_message);
    REQUIRE(pushed.complete);
    const size_t day = cells_of(snapshot(s.store), "dev-a");
    CHECK(day == 3000);

    // One request: the push, and a pull that skipped all of its own cells to the head.
    REQUIRE(a.transport.posts() == 1);
    const LoggedExchange first = a.transport.log()[0];  // a copy: the log grows
    REQUIRE(first.request->changesets.size() == 300);
    CHECK_FALSE(first.request->pull->echo);
    REQUIRE(first.response->pull.has_value());
    CHECK(first.response->pull->cells.empty());
    CHECK_FALSE(first.response->pull->more);
    CHECK(first.response->pull->cursor == s.store.head());
    CHECK(pull_cursor(a) == s.store.head());
    CHECK(pushed.progress.pulled_cells == 0);

    // The next pull of the same device: nothing of its own, only the page envelope.
    const SyncReport again = a.sync();
    REQUIRE(again.complete);
    const LoggedExchange pull_only = a.transport.log().back();
    CHECK(pull_only.request->pull->cursor == s.store.head());
    CHECK(pull_only.response->pull->cells.empty());

    // A second device pulls every one of them.
    Device b(s, "dev-b");
    const SyncReport fresh = b.sync();
    REQUIRE(fresh.complete);
    CHECK(fresh.progress.pulled_cells == day);
    CHECK(snapshot(b.store) == snapshot(s.store));
    CHECK(snapshot(a.store) == snapshot(s.store));

    // On the wire: the pushing device's answers carried the 300 results and an empty page; the
    // device that received the day got ~10x more, and an empty pull is just its envelope.
    size_t b_down = 0;
    for (const auto& e : b.transport.log()) b_down += e.wire_received;
    INFO("bytes down: push answer " << first.wire_received << ", empty pull "
                                    << pull_only.wire_received << ", the day to dev-b " << b_down);
    CHECK(first.wire_received * 5 < b_down);
    CHECK(pull_only.wire_received < 300);
}

TEST_CASE("no echo: an older device that does not ask still gets its own cells", "[client][echo]") {
    Server s;
    Device a(s, "dev-a");
    write_day(a, 5, 3);
    REQUIRE(a.sync().complete);

    SyncRequest req;
    req.replica = "dev-a";
    req.schema_version = builtin_schema().version();
    req.hlc = a.replica.clock().last();
    req.pull = PullRequest{0, 0, 0};  // as an older device sends it: no "echo"
    const std::string text = wire::encode(req);
    CHECK(text.find("echo") == std::string::npos);
    const SyncResponse resp = s.service.handle(wire::decode_request(text), a.transport.principal());
    REQUIRE(resp.pull.has_value());
    CHECK(resp.pull->cells.size() == 50);
}

TEST_CASE("no echo: a cell the server re-stamped comes back to its writer", "[client][echo]") {
    Server s;
    Device a(s, "dev-a", kT0 + 60LL * 60 * 1000);  // an hour ahead: the server re-stamps
    a.put(uuid_for(1), unit_fields("U1", "Một"));
    const SyncReport report = a.sync();
    REQUIRE(report.complete);
    const LoggedExchange first = a.transport.log()[0];
    REQUIRE(first.response->results.at(0).restamped.has_value());
    const Hlc restamped = *first.response->results.at(0).restamped;
    // The device may not hold its write under the server's stamp (it re-stamps only a cell
    // that still carries its own stamp), so the page of the same answer brings it back.
    REQUIRE(first.response->pull.has_value());
    CHECK(first.response->pull->cells.size() == 4);
    for (const auto& c : first.response->pull->cells)
        CHECK(c.current.stamp == Stamp{restamped, "dev-a"});
    CHECK(snapshot(a.store) == snapshot(s.store));

    // Its writes after that are stamped above the re-stamp: they stay on the server.
    a.put(uuid_for(1), {{"name", "Một (sửa)"}});
    const size_t posts = a.transport.posts();
    REQUIRE(a.sync().complete);
    for (size_t i = posts; i < a.transport.posts(); ++i) {
        const auto& e = a.transport.log()[i];
        REQUIRE(e.response->results.size() <= 1);
        if (!e.response->results.empty()) CHECK_FALSE(e.response->results[0].restamped);
        CHECK(e.response->pull->cells.empty());
    }
    CHECK(snapshot(a.store) == snapshot(s.store));
}

TEST_CASE("no echo: what the server wrote comes back to the writer", "[client][echo]") {
    // A server that records conflicts with its own replica, as ocop-server does.
    ManualClock clock(kT0);
    const auto owned_store = ocop::test::make_server_store();
    Store& store = *owned_store;
    HlcClock hlc(clock.fn(), ocop::tuning::max_clock_ahead_ms);
    SchemaGuard guard(builtin_schema());
    LocalReplica server_writer(store, builtin_schema(), clock.fn(), "server-replica", {},
                               /*keep_outbox=*/false);
    SyncService service(store, hlc, guard, "server-1", builtin_schema().version(), &server_writer);
    Server unused;
    Device a(unused, "dev-a");
    Device b(unused, "dev-b");
    a.transport.set_service(service);
    b.transport.set_service(service);

    a.put(uuid_for(1), unit_fields("U1", "Một"));
    REQUIRE(a.sync().complete);
    REQUIRE(b.sync().complete);  // b holds U1 as a wrote it

    // Both rename U1 without seeing the other's rename: b's push meets a's value.
    a.put(uuid_for(1), {{"name", "Tên của A"}});
    REQUIRE(a.sync().complete);
    b.put(uuid_for(1), {{"name", "Tên của B"}});
    const size_t b_posts = b.transport.posts();
    REQUIRE(b.sync().complete);

    // The conflict record is the server's write: it comes back to b, who caused it.
    const LoggedExchange& pushed = b.transport.log()[b_posts];
    REQUIRE(pushed.request->changesets.size() == 1);
    REQUIRE(pushed.response->pull.has_value());
    size_t conflict_cells = 0;
    for (const auto& c : pushed.response->pull->cells) {
        CHECK(c.current.stamp.replica != "dev-b");
        if (c.collection == conflict_collection) {
            ++conflict_cells;
            CHECK(c.current.stamp.replica == "server-replica");
        }
    }
    CHECK(conflict_cells > 0);
    CHECK(snapshot(b.store) == snapshot(store));

    // A resolution made on the server (the server's replica writes a's field): back to a.
    LocalTransaction resolve;
    resolve.put("admin_unit", uuid_for(1), {{"name", "Tên đã chọn"}});
    server_writer.commit(resolve);
    const size_t a_posts = a.transport.posts();
    REQUIRE(a.sync().complete);
    bool resolution_seen = false;
    for (size_t i = a_posts; i < a.transport.posts(); ++i)
        for (const auto& c : a.transport.log()[i].response->pull->cells)
            resolution_seen = resolution_seen || (c.record_id == uuid_for(1) && c.field == "name" &&
                                                  c.current.stamp.replica == "server-replica");
    CHECK(resolution_seen);
    CHECK(cell_of(a.store, uuid_for(1), "name")->value == "Tên đã chọn");
    CHECK(snapshot(a.store) == snapshot(store));
}
