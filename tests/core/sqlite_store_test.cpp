// The SQLite store: merge per cell, local sequence, reads and queries, change paging,
// bookkeeping, outbox, meta, transactions and persistence.
#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "ocop/core/sqlite_store.hpp"
#include "test_support.hpp"

using nlohmann::json;
using ocop::Cell;
using ocop::ChangePage;
using ocop::Changeset;
using ocop::FieldChange;
using ocop::RecordChange;
using ocop::SqliteStore;
using ocop::Stamp;
using ocop::StoreTxn;
using ocop::test::describe;
using ocop::test::uuid_for;

namespace {

Stamp st(int64_t ms, uint32_t logical, const char* replica) {
    return Stamp{{ms, logical}, replica};
}

Changeset make_cs(const std::string& replica, uint64_t seq, int64_t ms,
                  std::vector<RecordChange> records) {
    Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = 3;
    cs.hlc = {ms, 0};
    cs.records = std::move(records);
    return cs;
}

Changeset small_cs(const std::string& replica, uint64_t seq) {
    return make_cs(replica, seq, 1'000 + static_cast<int64_t>(seq),
                   {RecordChange{"farm",
                                 uuid_for(seq),
                                 {FieldChange{"name", "Trại " + std::to_string(seq), std::nullopt},
                                  FieldChange{"workers", seq, st(5, 1, "server")}}}});
}

// All pages of changes after `cursor`, checking the page invariants on the way.
std::vector<ChangePage> all_pages(SqliteStore& store, uint64_t cursor, size_t max_cells,
                                  size_t max_bytes) {
    std::vector<ChangePage> pages;
    for (int guard = 0; guard < 10'000; ++guard) {
        ChangePage page = store.changes_since(cursor, max_cells, max_bytes);
        const bool more = page.more;
        if (!page.cells.empty())
            CHECK(page.cursor == page.cells.back().current.seq);
        else
            CHECK(page.cursor == cursor);
        cursor = page.cursor;
        const bool empty = page.cells.empty();
        pages.push_back(std::move(page));
        if (!more || empty) break;
    }
    return pages;
}

std::vector<uint64_t> seqs_of(const std::vector<ChangePage>& pages) {
    std::vector<uint64_t> out;
    for (const auto& p : pages)
        for (const auto& c : p.cells) out.push_back(c.current.seq);
    return out;
}

}  // namespace

TEST_CASE("store: merge keeps the greatest stamp of each cell", "[store]") {
    SqliteStore store(":memory:");
    const std::string id = uuid_for(1);
    store.write([&](StoreTxn& t) {
        CHECK(t.merge("farm", id, "name", "first", st(1'000, 0, "dev-a")));
        CHECK(t.merge("farm", id, "name", "second", st(1'000, 0, "dev-b")));  // replica tie-break
        CHECK_FALSE(t.merge("farm", id, "name", "older", st(1'000, 0, "dev-a")));
        CHECK_FALSE(t.merge("farm", id, "name", "older counter", st(999, 9, "dev-z")));
        CHECK_FALSE(t.merge("farm", id, "name", "same stamp again", st(1'000, 0, "dev-b")));
        CHECK(t.merge("farm", id, "workers", 3, st(10, 0, "dev-a")));  // fields are independent
        const auto c = t.cell("farm", id, "name");
        REQUIRE(c.has_value());
        CHECK(c->value == "second");
        CHECK(c->stamp == st(1'000, 0, "dev-b"));
        CHECK_FALSE(t.cell("farm", id, "area").has_value());
        CHECK_FALSE(t.cell("person", id, "name").has_value());
    });
    auto rec = store.read("farm", id);
    REQUIRE(rec.has_value());
    CHECK(rec->collection == "farm");
    CHECK(rec->id == id);
    CHECK(rec->fields.size() == 2);
    CHECK(rec->get("name") == "second");
    CHECK(rec->fields.at("name").stamp == st(1'000, 0, "dev-b"));
    CHECK(rec->get("workers") == 3);
    CHECK(rec->fields.at("workers").stamp == st(10, 0, "dev-a"));
    CHECK(rec->get("area").is_null());
    CHECK_FALSE(rec->deleted());

    store.write([&](StoreTxn& t) {
        CHECK(t.merge("farm", id, "name", "third", st(1'000, 1, "dev-a")));
        CHECK(t.merge("farm", id, "workers", json{{"nested", json::array({1, "hai"})}},
                      st(11, 0, "dev-c")));
    });
    rec = store.read("farm", id);
    CHECK(rec->get("name") == "third");
    CHECK(rec->get("workers") == json{{"nested", json::array({1, "hai"})}});
    CHECK_FALSE(store.read("farm", uuid_for(2)).has_value());
    CHECK(store.integrity_check() == "ok");
}

TEST_CASE("store: the local sequence advances only for applied cells", "[store]") {
    SqliteStore store(":memory:");
    const std::string id = uuid_for(1);
    CHECK(store.head() == 0);
    store.write([&](StoreTxn& t) {
        t.merge("farm", id, "a", 1, st(100, 0, "x"));
        t.merge("farm", id, "b", 1, st(100, 0, "x"));
        t.merge("farm", id, "a", 0, st(50, 0, "x"));  // loses
    });
    CHECK(store.head() == 2);
    auto rec = store.read("farm", id);
    const uint64_t b_seq = rec->fields.at("b").seq;
    const std::set<uint64_t> first{rec->fields.at("a").seq, b_seq};
    CHECK(first == std::set<uint64_t>{1, 2});

    store.write([&](StoreTxn& t) { t.merge("farm", id, "a", 0, st(50, 0, "x")); });
    CHECK(store.head() == 2);
    store.write([&](StoreTxn&) {});
    CHECK(store.head() == 2);

    store.write([&](StoreTxn& t) { CHECK(t.merge("farm", id, "a", 2, st(200, 0, "x"))); });
    CHECK(store.head() == 3);
    rec = store.read("farm", id);
    CHECK(rec->fields.at("a").seq == 3);
    CHECK(rec->fields.at("a").value == 2);
    CHECK(rec->fields.at("b").seq == b_seq);
}

TEST_CASE("store: apply_changeset reports applied and superseded changes", "[store]") {
    SqliteStore store(":memory:");
    const Changeset cs = small_cs("dev-a", 1);
    ocop::ApplyResult first, again;
    store.write([&](StoreTxn& t) { first = ocop::apply_changeset(t, cs); });
    store.write([&](StoreTxn& t) { again = ocop::apply_changeset(t, cs); });
    CHECK(first.applied == 2);
    CHECK(first.superseded == 0);
    CHECK(again.applied == 0);
    CHECK(again.superseded == 2);
    const auto rec = store.read("farm", uuid_for(1));
    REQUIRE(rec.has_value());
    // Every cell carries the changeset's stamp, not the field's base.
    CHECK(rec->fields.at("workers").stamp == cs.stamp());
    CHECK(rec->fields.at("name").stamp == cs.stamp());
}

TEST_CASE("store: query filters, excludes deleted records and pages by id", "[store]") {
    SqliteStore store(":memory:");
    constexpr int kRecords = 400;  // more than one internal batch of the store
    store.write([&](StoreTxn& t) {
        const Stamp s = st(1'000, 0, "dev-a");
        for (int i = 1; i <= kRecords; ++i) {
            const std::string id = uuid_for(static_cast<uint64_t>(i));
            t.merge("farm", id, "kind", i % 2 == 0 ? "even" : "odd", s);
            if (i % 11 != 0) t.merge("farm", id, "n", i % 3, s);
            if (i % 7 == 0) t.merge("farm", id, "_deleted", true, s);
            if (i % 13 == 0) t.merge("farm", id, "_deleted", false, s);
            // The same ids in another collection must never show up.
            if (i % 5 == 0) t.merge("person", id, "kind", "even", s);
        }
    });
    auto expected = [&](auto pred) {
        std::vector<std::string> out;
        for (int i = 1; i <= kRecords; ++i)
            if (i % 7 != 0 && pred(i)) out.push_back(uuid_for(static_cast<uint64_t>(i)));
        return out;
    };
    auto ids = [](const std::vector<ocop::Record>& recs) {
        std::vector<std::string> out;
        for (const auto& r : recs) out.push_back(r.id);
        return out;
    };
    const size_t all = std::numeric_limits<size_t>::max();

    CHECK(ids(store.query("farm", {}, all, "")) == expected([](int) { return true; }));
    CHECK(ids(store.query("farm", {{"kind", "even"}}, all, "")) ==
          expected([](int i) { return i % 2 == 0; }));
    CHECK(ids(store.query("farm", {{"kind", "even"}, {"n", 0}}, all, "")) ==
          expected([](int i) { return i % 2 == 0 && i % 11 != 0 && i % 3 == 0; }));
    CHECK(ids(store.query("farm", {{"n", 1}, {"kind", "odd"}}, all, "")) ==
          expected([](int i) { return i % 2 == 1 && i % 11 != 0 && i % 3 == 1; }));
    CHECK(store.query("farm", {{"kind", "neither"}}, all, "").empty());
    CHECK(store.query("nothing", {}, all, "").empty());
    // Whole records come back.
    const auto one = store.query("farm", {{"kind", "odd"}}, 1, "");
    REQUIRE(one.size() == 1);
    CHECK(one[0].id == uuid_for(1));
    CHECK(one[0].get("n") == 1);
    CHECK(one[0].fields.at("kind").stamp == st(1'000, 0, "dev-a"));

    SECTION("paging with after_id and limit") {
        for (const std::vector<ocop::FieldFilter>& filters :
             {std::vector<ocop::FieldFilter>{}, std::vector<ocop::FieldFilter>{{"kind", "even"}},
              std::vector<ocop::FieldFilter>{{"n", 2}, {"kind", "odd"}}}) {
            const auto full = ids(store.query("farm", filters, all, ""));
            REQUIRE(!full.empty());
            for (size_t limit : {size_t{1}, size_t{7}, size_t{150}}) {
                CAPTURE(filters.size(), limit);
                std::vector<std::string> paged;
                std::string after;
                for (int guard = 0; guard < 1000; ++guard) {
                    const auto page = ids(store.query("farm", filters, limit, after));
                    CHECK(page.size() <= limit);
                    paged.insert(paged.end(), page.begin(), page.end());
                    if (page.size() < limit) break;
                    after = page.back();
                }
                CHECK(paged == full);
            }
        }
    }
}

TEST_CASE("store: changes_since pages by count", "[store]") {
    SqliteStore store(":memory:");
    store.write([&](StoreTxn& t) {
        for (uint64_t r = 1; r <= 3; ++r)
            for (const char* f : {"a", "b", "c"}) t.merge("farm", uuid_for(r), f, r, st(1, 0, "x"));
    });
    REQUIRE(store.head() == 9);
    const auto pages = all_pages(store, 0, 3, 1 << 20);
    REQUIRE(pages.size() == 3);
    CHECK(pages[0].more);
    CHECK(pages[1].more);
    CHECK_FALSE(pages[2].more);
    for (const auto& p : pages) CHECK(p.cells.size() == 3);
    CHECK(seqs_of(pages) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    // Every cell exactly once, with its content.
    std::set<std::tuple<std::string, std::string, std::string>> keys;
    for (const auto& p : pages)
        for (const Cell& c : p.cells) {
            keys.emplace(c.collection, c.record_id, c.field);
            CHECK(c.collection == "farm");
            CHECK(c.current.stamp == st(1, 0, "x"));
        }
    CHECK(keys.size() == 9);

    const ChangePage end = store.changes_since(9, 3, 1 << 20);
    CHECK(end.cells.empty());
    CHECK_FALSE(end.more);
    CHECK(end.cursor == 9);

    const ChangePage middle = store.changes_since(4, 2, 1 << 20);
    REQUIRE(middle.cells.size() == 2);
    CHECK(middle.cells[0].current.seq == 5);
    CHECK(middle.cursor == 6);
    CHECK(middle.more);
}

TEST_CASE("store: changes_since with an unlimited page size returns every cell", "[store]") {
    SqliteStore store(":memory:");
    store.write([&](StoreTxn& t) {
        t.merge("farm", uuid_for(1), "a", 1, st(1, 0, "x"));
        t.merge("farm", uuid_for(1), "b", 2, st(1, 0, "x"));
    });
    const ChangePage page = store.changes_since(0, std::numeric_limits<size_t>::max(), 1 << 20);
    CHECK(page.cells.size() == 2);
    CHECK_FALSE(page.more);
}

TEST_CASE("store: changes_since pages by bytes and a single large value still forms a page",
          "[store]") {
    SqliteStore store(":memory:");
    const std::string hundred(100, 'v');
    store.write([&](StoreTxn& t) {
        t.merge("farm", uuid_for(1), "big", std::string(10'000, 'B'), st(1, 0, "x"));
        for (uint64_t i = 0; i < 12; ++i)
            t.merge("farm", uuid_for(2 + i / 3), "f" + std::to_string(i % 3), hundred,
                    st(1, 0, "x"));
        t.merge("farm", uuid_for(9), "big", std::string(5'000, 'C'), st(1, 0, "x"));
    });
    REQUIRE(store.head() == 14);
    const size_t max_bytes = 350;
    const auto pages = all_pages(store, 0, 1000, max_bytes);
    CHECK(seqs_of(pages) == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
    REQUIRE(pages.size() >= 3);
    // The first page holds the 10 kB value alone; the last holds the 5 kB one alone.
    CHECK(pages.front().cells.size() == 1);
    CHECK(pages.front().cells[0].field == "big");
    CHECK(pages.front().more);
    CHECK(pages.back().cells.size() == 1);
    CHECK(pages.back().cells[0].current.value == std::string(5'000, 'C'));
    CHECK_FALSE(pages.back().more);
    for (size_t i = 1; i + 1 < pages.size(); ++i) {
        CAPTURE(i);
        size_t value_bytes = 0;
        for (const auto& c : pages[i].cells) value_bytes += c.current.value.dump().size();
        CHECK(pages[i].more);
        CHECK(pages[i].cells.size() >= 2);  // not cut short: two small cells fit in 350 bytes
        CHECK(value_bytes <= max_bytes);
    }
}

TEST_CASE("store: changes_since shows a repeatedly edited field once, and continues exactly",
          "[store]") {
    SqliteStore store(":memory:");
    const std::string id = uuid_for(1);
    store.write([&](StoreTxn& t) {
        for (const char* f : {"a", "b", "c", "d"}) t.merge("farm", id, f, f, st(1, 0, "x"));
    });
    const ChangePage first = store.changes_since(0, 2, 1 << 20);
    REQUIRE(first.cells.size() == 2);
    REQUIRE(first.more);
    const std::string edited = first.cells[0].field;

    // Edit a field already pulled five times, and add a new one.
    for (uint32_t i = 1; i <= 5; ++i)
        store.write([&](StoreTxn& t) {
            t.merge("farm", id, edited, "edit " + std::to_string(i), st(2, i, "x"));
        });
    store.write([&](StoreTxn& t) { t.merge("farm", id, "e", "e", st(3, 0, "x")); });

    const auto rest = all_pages(store, first.cursor, 100, 1 << 20);
    std::vector<std::string> fields;
    for (const auto& p : rest)
        for (const auto& c : p.cells) fields.push_back(c.field);
    CHECK(fields.size() == 4);  // the two not yet pulled, the edited one once, the new one
    CHECK(std::count(fields.begin(), fields.end(), edited) == 1);
    CHECK(std::count(fields.begin(), fields.end(), "e") == 1);
    for (const auto& p : rest)
        for (const auto& c : p.cells)
            if (c.field == edited) {
                CHECK(c.current.value == "edit 5");
                CHECK(c.current.stamp == st(2, 5, "x"));
            }
    CHECK(rest.back().cursor == store.head());
    CHECK(store.head() == 4 + 5 + 1);
}

TEST_CASE("store: applied-changeset bookkeeping and receipts", "[store]") {
    SqliteStore store(":memory:");
    store.write([&](StoreTxn& t) {
        CHECK(t.last_applied("dev-a") == 0);
        CHECK_FALSE(t.receipt("dev-a", 1).has_value());
        t.record_applied("dev-a", 1, R"({"applied":2})");
        t.record_applied("dev-a", 2, R"({"applied":0})");
        t.record_applied("dev-b", 7, "r-b-7");
    });
    store.write([&](StoreTxn& t) {
        CHECK(t.last_applied("dev-a") == 2);
        CHECK(t.last_applied("dev-b") == 7);
        CHECK(t.last_applied("dev-c") == 0);
        CHECK(t.receipt("dev-a", 1) == std::optional<std::string>(R"({"applied":2})"));
        CHECK(t.receipt("dev-a", 2) == std::optional<std::string>(R"({"applied":0})"));
        CHECK_FALSE(t.receipt("dev-a", 3).has_value());
        CHECK_FALSE(t.receipt("dev-b", 1).has_value());
        CHECK(t.receipt("dev-b", 7) == std::optional<std::string>("r-b-7"));
    });
}

TEST_CASE("store: outbox and quarantine", "[store]") {
    SqliteStore store(":memory:");
    CHECK(store.outbox_size() == 0);
    CHECK(store.outbox(10).empty());
    const Changeset c1 = small_cs("dev-a", 1), c2 = small_cs("dev-a", 2), c3 = small_cs("dev-a", 3);
    store.write([&](StoreTxn& t) {
        t.outbox_put(c2);  // order of insertion does not matter
        t.outbox_put(c1);
        t.outbox_put(c3);
    });
    CHECK(store.outbox_size() == 3);
    auto out = store.outbox(10);
    REQUIRE(out.size() == 3);
    CHECK(describe(out[0]) == describe(c1));
    CHECK(describe(out[1]) == describe(c2));
    CHECK(describe(out[2]) == describe(c3));
    out = store.outbox(2);
    REQUIRE(out.size() == 2);
    CHECK(out[1].seq == 2);

    store.write([&](StoreTxn& t) { t.outbox_remove_through(2); });
    CHECK(store.outbox_size() == 1);
    out = store.outbox(10);
    REQUIRE(out.size() == 1);
    CHECK(describe(out[0]) == describe(c3));

    store.write([&](StoreTxn& t) {
        t.quarantine_put(c1, "value.not_in_enum", "farm.grade: 'c' is not one of: a, b");
        t.quarantine_put(c2, "record.deleted", "gone");
    });
    auto q = store.quarantined();
    REQUIRE(q.size() == 2);
    CHECK(describe(q[0].changeset) == describe(c1));
    CHECK(q[0].code == "value.not_in_enum");
    CHECK(q[0].message == "farm.grade: 'c' is not one of: a, b");
    store.write([&](StoreTxn& t) { t.quarantine_remove(1); });
    q = store.quarantined();
    REQUIRE(q.size() == 1);
    CHECK(q[0].changeset.seq == 2);
}

TEST_CASE("store: meta", "[store]") {
    SqliteStore store(":memory:");
    CHECK_FALSE(store.meta("k").has_value());
    store.write([&](StoreTxn& t) {
        t.set_meta("k", "v1");
        CHECK(t.meta("k") == std::optional<std::string>("v1"));
        t.set_meta("k", "v2");
        t.set_meta("vi", "Đồng Tháp");
    });
    CHECK(store.meta("k") == std::optional<std::string>("v2"));
    CHECK(store.meta("vi") == std::optional<std::string>("Đồng Tháp"));
    CHECK_FALSE(store.meta("K").has_value());
}

TEST_CASE("store: a throwing transaction is rolled back", "[store]") {
    SqliteStore store(":memory:");
    const std::string id = uuid_for(1);
    store.write([&](StoreTxn& t) { t.merge("farm", id, "name", "kept", st(1, 0, "dev-a")); });
    const auto before = ocop::test::snapshot(store);

    CHECK_THROWS_AS(store.write([&](StoreTxn& t) {
        CHECK(t.merge("farm", id, "name", "lost", st(2, 0, "dev-a")));
        t.merge("farm", uuid_for(2), "name", "lost", st(2, 0, "dev-new"));
        t.set_meta("k", "lost");
        t.outbox_put(small_cs("dev-a", 1));
        t.record_applied("dev-b", 1, "lost");
        t.quarantine_put(small_cs("dev-a", 2), "c", "m");
        throw std::logic_error("boom");
    }),
                    std::logic_error);

    CHECK(ocop::test::snapshot(store) == before);
    CHECK(store.head() == 1);
    CHECK(store.read("farm", id)->get("name") == "kept");
    CHECK_FALSE(store.read("farm", uuid_for(2)).has_value());
    CHECK_FALSE(store.meta("k").has_value());
    CHECK(store.outbox_size() == 0);
    CHECK(store.quarantined().empty());
    store.write([&](StoreTxn& t) { CHECK(t.last_applied("dev-b") == 0); });
    // The store stays usable.
    store.write(
        [&](StoreTxn& t) { CHECK(t.merge("farm", id, "name", "next", st(3, 0, "dev-a"))); });
    CHECK(store.read("farm", id)->get("name") == "next");
    CHECK(store.head() == 2);
}

TEST_CASE("store: replica numbers added in a rolled-back transaction do not corrupt later writes",
          "[store]") {
    ocop::test::TempDir dir;
    const std::string path = dir.file("store.db");
    const std::string id = uuid_for(1);
    {
        SqliteStore store(path);
        store.write([&](StoreTxn& t) { t.merge("farm", id, "a", 1, st(1, 0, "dev-known")); });
        CHECK_THROWS(store.write([&](StoreTxn& t) {
            t.merge("farm", id, "b", 1, st(1, 0, "dev-ghost"));
            t.merge("farm", id, "c", 1, st(1, 0, "dev-ghost-2"));
            t.merge("farm", id, "a", 2, st(2, 0, "dev-known"));
            throw ocop::Error(ocop::ErrorKind::invalid_input, "test.fail", "rolled back");
        }));
        // New replicas now take the numbers the rolled-back ones had in the database.
        store.write([&](StoreTxn& t) {
            t.merge("farm", id, "d", 1, st(3, 0, "dev-real"));
            t.merge("farm", id, "e", 1, st(3, 0, "dev-real-2"));
        });
        store.write([&](StoreTxn& t) {
            t.merge("farm", id, "b", 1, st(4, 0, "dev-ghost"));
            const auto c = t.cell("farm", id, "d");
            REQUIRE(c.has_value());
            CHECK(c->stamp.replica == "dev-real");
        });
        const auto rec = store.read("farm", id);
        REQUIRE(rec.has_value());
        CHECK(rec->fields.at("a").stamp == st(1, 0, "dev-known"));
        CHECK(rec->fields.at("d").stamp == st(3, 0, "dev-real"));
        CHECK(rec->fields.at("e").stamp == st(3, 0, "dev-real-2"));
        CHECK(rec->fields.at("b").stamp == st(4, 0, "dev-ghost"));
        CHECK(rec->fields.count("c") == 0);
    }
    SqliteStore reopened(path);
    const auto rec = reopened.read("farm", id);
    REQUIRE(rec.has_value());
    CHECK(rec->fields.at("d").stamp == st(3, 0, "dev-real"));
    CHECK(rec->fields.at("e").stamp == st(3, 0, "dev-real-2"));
    CHECK(rec->fields.at("b").stamp == st(4, 0, "dev-ghost"));
    CHECK(reopened.integrity_check() == "ok");
}

TEST_CASE("store: everything survives closing and reopening the file", "[store]") {
    ocop::test::TempDir dir;
    const std::string path = dir.file("device.db");
    const Changeset c1 = small_cs("dev-a", 1);
    ocop::test::Snapshot before;
    {
        SqliteStore store(path);
        store.write([&](StoreTxn& t) {
            for (uint64_t i = 1; i <= 20; ++i)
                t.merge("farm", uuid_for(i), "name", "Trại số " + std::to_string(i),
                        st(static_cast<int64_t>(i), 0, i % 2 ? "dev-a" : "server"));
            t.merge("farm", uuid_for(3), "_deleted", true, st(50, 0, "dev-b"));
            t.outbox_put(c1);
            t.record_applied("server", 12, "receipt-12");
            t.set_meta("pull_cursor", "77");
        });
        before = ocop::test::snapshot(store);
        CHECK(store.integrity_check() == "ok");
    }
    SqliteStore store(path);
    CHECK(ocop::test::snapshot(store) == before);
    CHECK(before.size() == 21);
    CHECK(store.head() == 21);
    CHECK(store.read("farm", uuid_for(3))->deleted());
    CHECK(store.query("farm", {}, 100, "").size() == 19);
    REQUIRE(store.outbox_size() == 1);
    CHECK(describe(store.outbox(1)[0]) == describe(c1));
    CHECK(store.meta("pull_cursor") == std::optional<std::string>("77"));
    store.write([&](StoreTxn& t) {
        CHECK(t.last_applied("server") == 12);
        CHECK(t.receipt("server", 12) == std::optional<std::string>("receipt-12"));
        // Sequence numbers continue after the reopened head; known replicas keep their names.
        CHECK(t.merge("farm", uuid_for(1), "name", "mới", st(100, 0, "server")));
    });
    CHECK(store.head() == 22);
    CHECK(store.read("farm", uuid_for(1))->fields.at("name").stamp == st(100, 0, "server"));
    CHECK(store.read("farm", uuid_for(2))->fields.at("name").stamp == st(2, 0, "server"));
    CHECK(store.integrity_check() == "ok");
}

TEST_CASE("store: purge removes records of other units and keeps partly pulled ones", "[store]") {
    SqliteStore store(":memory:");
    const std::string kept = uuid_for(1), other = uuid_for(2), partial = uuid_for(3),
                      deleted_other = uuid_for(4);
    store.write([&](StoreTxn& t) {
        t.merge("farm", kept, "name", "A", st(10, 0, "dev-a"));
        t.merge("farm", kept, "unit", "unit-a", st(10, 0, "dev-a"));
        t.merge("farm", other, "name", "B", st(11, 0, "dev-a"));
        t.merge("farm", other, "unit", "unit-b", st(11, 0, "dev-a"));
        t.merge("farm", partial, "name", "no unit yet", st(12, 0, "dev-a"));
        t.merge("farm", deleted_other, "unit", "unit-b", st(13, 0, "dev-a"));
        t.merge("farm", deleted_other, "_deleted", true, st(14, 0, "dev-a"));
        t.merge("person", other, "unit", "unit-b", st(15, 0, "dev-a"));  // another collection
    });
    size_t removed = 0;
    store.write([&](StoreTxn& t) { removed = t.purge_records_not_in("farm", "unit", {"unit-a"}); });
    CHECK(removed == 2);
    CHECK(store.read("farm", kept).has_value());
    CHECK(store.read("farm", partial).has_value());
    CHECK_FALSE(store.read("farm", other).has_value());
    CHECK_FALSE(store.read("farm", deleted_other).has_value());
    CHECK(store.read("person", other).has_value());
    store.write([&](StoreTxn& t) { removed = t.purge_records_not_in("farm", "unit", {"unit-a"}); });
    CHECK(removed == 0);
}
