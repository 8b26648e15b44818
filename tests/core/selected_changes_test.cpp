// Store::selected_changes_since on SQLite, with and without reader connections, with and without
// a scope index (chosen before the cells are written, or after: then every row's scope is
// computed at once): the cells a selector keeps, page by page under every bound (cells, bytes,
// rows scanned), are exactly those a reading of the whole change log would keep, and the cursor
// ends at the head it was given. Also: a store of format 1 (before the scope index) opens and
// gains it; one of a newer format is refused.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <tuple>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_db.hpp"
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

const ocop::ScopeIndex kByUnit{"unit", {"admin_unit"}};

enum class Index { none, before_writes, after_writes };

TEST_CASE("store: selected changes keep what the selector says, under every page bound",
          "[store][selector]") {
    const size_t readers = GENERATE(size_t{0}, size_t{2});
    const Index index = GENERATE(Index::none, Index::before_writes, Index::after_writes);
    ocop::test::TempDir dir;
    SqliteStore store(dir.file("selected.db"), ocop::sqlite::Durability::full, 8, readers);
    if (index == Index::before_writes) CHECK(store.index_scopes(kByUnit));
    fill(store);
    if (index == Index::after_writes) CHECK(store.index_scopes(kByUnit));
    if (index != Index::none) CHECK_FALSE(store.index_scopes(kByUnit));  // the file's already

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
    SECTION("a record's unit changes back and forth, one moves to a reference collection") {
        store.write([&](StoreTxn& t) {
            const Stamp later{Hlc{9'000, 0}, "dev-1"};
            t.merge("inspection", uuid_for(1), "unit", "unit-b", later);
            t.merge("inspection", uuid_for(1), "unit", "unit-a", Stamp{Hlc{9'001, 0}, "dev-1"});
            t.merge("inspection", uuid_for(2), "unit", nullptr, later);  // no unit any more
            t.merge("admin_unit", uuid_for(19), "unit", "unit-a", later);
        });
    }
    const std::set<CellKey> want = expected(store, sel);
    INFO("readers " << readers << ", index " << static_cast<int>(index) << ", " << want.size()
                    << " cells expected");
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

TEST_CASE("store: with a scope index a pull reads the rows of its scopes only",
          "[store][selector]") {
    ocop::test::TempDir dir;
    SqliteStore store(dir.file("scoped.db"), ocop::sqlite::Durability::full, 8, 1);
    CHECK(store.index_scopes(kByUnit));
    fill(store);
    ChangeSelector sel;
    sel.collections = {"admin_unit"};
    sel.field = "unit";
    sel.values = {"unit-b"};
    const ChangePage all = store.changes_since(0, 1u << 20, size_t{1} << 30);
    const auto pull = [&] {
        const ChangePage page =
            store.selected_changes_since(0, store.head(), 1u << 20, size_t{1} << 30, sel);
        CHECK_FALSE(page.more);
        CHECK(page.cursor == store.head());
        std::set<CellKey> got;
        for (const Cell& c : page.cells) got.insert(key_of(c));
        CHECK(got == expected(store, sel));
        return page.scanned;
    };
    // The rows of unit-b and of records without a unit (reference ones among them): well under
    // half of the log.
    CHECK(pull() < all.cells.size() / 2);
    // A selector that does not take the reference collections whole (a backfill) cannot be
    // read by scope (a reference record may name a unit): every row is read, and judged.
    sel.collections.clear();
    CHECK(pull() == all.cells.size());
}

TEST_CASE(
    "store: a format-1 file opens, gains the scope column and keeps its cells; a newer "
    "format is refused",
    "[store][selector][migration]") {
    ocop::test::TempDir dir;
    const std::string file = dir.file("old.db");
    {
        // The layout of store_format 1, as releases before the scope index wrote it.
        ocop::sqlite::Db db(file, ocop::sqlite::Durability::full, 1);
        db.exec(R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE replicas(number INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE cells(seq INTEGER PRIMARY KEY, collection TEXT NOT NULL, record_id TEXT NOT NULL,
    field TEXT NOT NULL, value TEXT NOT NULL, hlc INTEGER NOT NULL,
    replica INTEGER NOT NULL REFERENCES replicas(number));
CREATE UNIQUE INDEX cells_by_key ON cells(collection, record_id, field);
INSERT INTO meta VALUES('store_format', '1');
INSERT INTO replicas VALUES(1, 'dev-1');
INSERT INTO cells VALUES(1, 'inspection', 'r1', 'unit', '"unit-a"', 100, 1);
INSERT INTO cells VALUES(2, 'inspection', 'r1', 'note', '"old"', 100, 1);
INSERT INTO cells VALUES(3, 'inspection', 'r2', 'unit', '"unit-b"', 100, 1);
)sql");
    }
    {
        SqliteStore store(file, ocop::sqlite::Durability::full, 8, 1);
        CHECK(store.meta("store_format") == "2");
        CHECK(store.head() == 3);
        CHECK(store.read("inspection", "r1")->get("note") == "old");
        CHECK(store.index_scopes(kByUnit));
        ChangeSelector sel;
        sel.collections = {"admin_unit"};
        sel.field = "unit";
        sel.values = {"unit-a"};
        const ChangePage page = store.selected_changes_since(0, 3, 100, 1u << 20, sel);
        std::set<std::string> fields;
        for (const Cell& c : page.cells) fields.insert(c.record_id + "." + c.field);
        CHECK(fields == std::set<std::string>{"r1.note", "r1.unit"});
        CHECK(page.scanned == 2);  // read by scope
    }
    {
        ocop::sqlite::Db db(file, ocop::sqlite::Durability::full, 1);
        db.exec("UPDATE meta SET value='3' WHERE key='store_format'");
    }
    try {
        SqliteStore newer(file, ocop::sqlite::Durability::full, 8);
        FAIL("a store of format 3 was opened");
    } catch (const ocop::Error& e) {
        CHECK(e.code() == ocop::errc::store_corrupt);
        CHECK_THAT(e.what(),
                   Catch::Contains("has store format 3; this build reads formats 1 to 2"));
    }
}

TEST_CASE("store: a store opened before the file got its scope index tags what it writes after",
          "[store][selector]") {
    // ocop-admin open beside a server that starts, and chooses the index, meanwhile.
    ocop::test::TempDir dir;
    const std::string file = dir.file("shared.db");
    SqliteStore early(file, ocop::sqlite::Durability::full, 8);
    {
        SqliteStore server(file, ocop::sqlite::Durability::full, 8, 1);
        CHECK(server.index_scopes(kByUnit));
    }
    fill(early);
    SqliteStore server(file, ocop::sqlite::Durability::full, 8, 1);
    CHECK_FALSE(server.index_scopes(kByUnit));  // nothing to recompute: every row is tagged
    ChangeSelector sel;
    sel.collections = {"admin_unit"};
    sel.field = "unit";
    sel.values = {"unit-c"};
    const ChangePage page =
        server.selected_changes_since(0, server.head(), 1u << 20, size_t{1} << 30, sel);
    std::set<CellKey> got;
    for (const Cell& c : page.cells) got.insert(key_of(c));
    CHECK(got == expected(server, sel));
    CHECK(page.scanned < server.changes_since(0, 1u << 20, size_t{1} << 30).cells.size());
}
