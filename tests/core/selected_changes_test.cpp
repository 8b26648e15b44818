// Store::selected_changes_since on SQLite, with and without reader connections: the cells a
// selector keeps, page by page under every bound (cells, bytes, rows scanned), are exactly those
// a reading of the whole change log would keep, and the cursor ends at the head it was given.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>

#include "ocop/core/sqlite_store.hpp"
#include "test_support.hpp"

using ocop::Cell;
using ocop::ChangePage;
using ocop::ChangeSelector;
using ocop::Hlc;
using ocop::SqliteStore;
using ocop::Stamp;
using ocop::StoreTxn;
using ocop::test::uuid_for;

namespace {

using CellKey = std::tuple<std::string, std::string, std::string, uint64_t>;

CellKey key_of(const Cell& c) {
    return {c.collection, c.record_id, c.field, c.current.seq};
}

// Records of three units, records without a unit, reference records, written by two devices at
// several clocks; some records change unit afterwards (the current unit is what counts).
void fill(SqliteStore& store) {
    const char* units[] = {"unit-a", "unit-b", "unit-c"};
    const char* replicas[] = {"dev-1", "dev-2"};
    store.write([&](StoreTxn& t) {
        for (uint64_t r = 0; r < 60; ++r) {
            const std::string id = uuid_for(r);
            const Stamp stamp{Hlc{1'000 + static_cast<int64_t>(r), 0}, replicas[r % 2]};
            const std::string collection = r % 10 == 9 ? "admin_unit" : "inspection";
            t.merge(collection, id, "note", "ghi chú " + std::to_string(r), stamp);
            if (r % 7 != 3) t.merge(collection, id, "unit", units[r % 3], stamp);
            t.merge(collection, id, "score", static_cast<int64_t>(r), stamp);
        }
    });
    store.write([&](StoreTxn& t) {
        for (uint64_t r = 0; r < 60; r += 5)
            t.merge("inspection", uuid_for(r), "unit", units[(r + 1) % 3],
                    Stamp{Hlc{5'000 + static_cast<int64_t>(r), 0}, "dev-2"});
    });
}

// What the selector keeps, judged cell by cell on the whole log.
std::set<CellKey> expected(SqliteStore& store, const ChangeSelector& sel) {
    std::set<CellKey> out;
    const ChangePage all = store.changes_since(0, 1u << 20, size_t{1} << 30);
    for (const Cell& c : all.cells) {
        if (c.current.stamp.replica == sel.skip_replica && sel.skip_above < c.current.stamp.hlc)
            continue;
        bool keep = std::find(sel.collections.begin(), sel.collections.end(), c.collection) !=
                    sel.collections.end();
        if (!keep) {
            const auto rec = store.read(c.collection, c.record_id);
            const auto& unit = rec->get(sel.field);
            keep = unit.is_string() && std::find(sel.values.begin(), sel.values.end(),
                                                 unit.get<std::string>()) != sel.values.end();
        }
        if (keep) out.insert(key_of(c));
    }
    return out;
}

std::set<CellKey> selected(SqliteStore& store, ChangeSelector sel, size_t max_cells,
                           size_t max_bytes, size_t max_scanned) {
    const uint64_t head = store.head();
    sel.max_scanned = max_scanned;
    std::set<CellKey> out;
    uint64_t cursor = 0;
    for (int guard = 0; guard < 10'000; ++guard) {
        const ChangePage page =
            store.selected_changes_since(cursor, head, max_cells, max_bytes, sel);
        REQUIRE(page.cells.size() <= max_cells);
        REQUIRE(page.scanned <= max_scanned);
        REQUIRE(page.cursor >= cursor);
        for (const Cell& c : page.cells) {
            REQUIRE(c.current.seq > cursor);
            REQUIRE(c.current.seq <= page.cursor);
            REQUIRE(out.insert(key_of(c)).second);  // never twice
        }
        cursor = page.cursor;
        if (!page.more) {
            CHECK(cursor == head);
            return out;
        }
    }
    FAIL("the pages never ended");
    return out;
}

}  // namespace

TEST_CASE("store: selected changes keep what the selector says, under every page bound",
          "[store][selector]") {
    const size_t readers = GENERATE(size_t{0}, size_t{2});
    ocop::test::TempDir dir;
    SqliteStore store(dir.file("selected.db"), ocop::sqlite::Durability::full, 8, readers);
    fill(store);

    ChangeSelector sel;
    sel.collections = {"admin_unit"};
    sel.field = "unit";
    sel.values = {"unit-a", "unit-c"};
    SECTION("no echo: one device's cells above its floor are left out") {
        sel.skip_replica = "dev-1";
        sel.skip_above = Hlc{1'030, 0};
    }
    SECTION("a replica the store never saw skips nothing") {
        sel.skip_replica = "dev-unknown";
    }
    SECTION("no unit at all: only reference records") {
        sel.values.clear();
    }
    const std::set<CellKey> want = expected(store, sel);
    INFO("readers " << readers << ", " << want.size() << " cells expected");
    REQUIRE_FALSE(want.empty());

    CHECK(selected(store, sel, 1u << 20, size_t{1} << 30, SIZE_MAX) == want);
    CHECK(selected(store, sel, 3, size_t{1} << 30, SIZE_MAX) == want);
    CHECK(selected(store, sel, 1u << 20, 40, SIZE_MAX) == want);  // a few cells by bytes
    CHECK(selected(store, sel, 1u << 20, size_t{1} << 30, 4) == want);
    CHECK(selected(store, sel, 2, 40, 1) == want);
}

TEST_CASE("store: selected changes stop at the head they are given", "[store][selector]") {
    ocop::test::TempDir dir;
    SqliteStore store(dir.file("upto.db"), ocop::sqlite::Durability::full, 8, 1);
    fill(store);
    const uint64_t head = store.head();
    ChangeSelector sel;
    sel.field = "unit";
    sel.values = {"unit-a", "unit-b", "unit-c"};
    const ChangePage first = store.selected_changes_since(0, head / 2, 1u << 20, 1u << 30, sel);
    CHECK_FALSE(first.more);
    CHECK(first.cursor == head / 2);
    for (const Cell& c : first.cells) CHECK(c.current.seq <= head / 2);
    const ChangePage none = store.selected_changes_since(head, head, 10, 1u << 30, sel);
    CHECK(none.cells.empty());
    CHECK(none.cursor == head);
    CHECK_FALSE(none.more);
}
