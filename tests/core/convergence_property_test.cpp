// The key property of the merge rule: replicas that receive the same set of changesets end with
// identical cells, whatever the order, duplication and batching of the deliveries.
//
// Replicas (LocalReplica on in-memory stores, each with its own drifting and jumping physical
// clock) make concurrent random edits of a few fields of a few records, exchanging some changes
// on the way so that bases and causal overwrites occur too. The expected state is computed by an
// oracle that does not use the store: for each cell, the value of the greatest stamp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "test_support.hpp"

using nlohmann::json;
using ocop::Changeset;
using ocop::LocalReplica;
using ocop::LocalTransaction;
using ocop::SqliteStore;
using ocop::Stamp;
using ocop::StoreTxn;
using ocop::test::describe;
using ocop::test::ManualClock;
using ocop::test::Snapshot;

namespace {

const ocop::Schema& item_schema() {
    static const ocop::Schema s = ocop::Schema::from_json(json::parse(R"({
      "version": 1,
      "collections": [{"name": "item", "fields": [
        {"name": "a", "type": "integer"},
        {"name": "b", "type": "text"},
        {"name": "c", "type": "json"}]}]})"));
    return s;
}

using Rng = std::mt19937_64;

uint64_t pick(Rng& rng, uint64_t n) {
    return rng() % n;
}
bool chance(Rng& rng, int percent) {
    return static_cast<int>(rng() % 100) < percent;
}

struct Replica {
    Replica(const std::string& id, int64_t now)
        : clock(now), store(":memory:"), local(store, item_schema(), clock.fn(), id) {}
    ManualClock clock;
    SqliteStore store;
    LocalReplica local;
    size_t received = 0;  // how many of the shared changesets this replica has applied
};

json random_value(Rng& rng, const std::string& field) {
    static const char* const words[] = {"Hà Nội", "Huế",    "Đà Nẵng",  "Cần Thơ",
                                        "chè",    "cà phê", "nước mắm", ""};
    if (chance(rng, 10)) return nullptr;
    if (field == "a") return static_cast<int64_t>(pick(rng, 2001)) - 1000;
    if (field == "b")
        return std::string(words[pick(rng, std::size(words))]) + " " +
               std::to_string(pick(rng, 100));
    return json{{"k", pick(rng, 10)}, {"v", json::array({pick(rng, 3), "x"})}};
}

struct Scenario {
    std::vector<std::unique_ptr<Replica>> replicas;
    std::vector<Changeset> changesets;  // every changeset made, in creation order
};

// Brings `rep` up to date with every changeset made so far (a full sync), in creation order.
void catch_up(Replica& rep, const std::vector<Changeset>& all, size_t upto, bool observe) {
    if (rep.received >= upto) return;
    rep.store.write([&](StoreTxn& t) {
        for (size_t i = rep.received; i < upto; ++i) ocop::apply_changeset(t, all[i]);
    });
    if (observe) rep.local.observe(all[upto - 1].hlc);
    rep.received = upto;
}

// Every replica syncs fully, then all edit the same field in the same millisecond: their HLCs
// are equal and only the replica id decides (the case the tie-break exists for).
void simultaneous_edits(Scenario& sc, const std::vector<std::string>& ids, Rng& rng) {
    ocop::Hlc max_hlc{};
    for (const auto& cs : sc.changesets) max_hlc = std::max(max_hlc, cs.hlc);
    for (auto& rep : sc.replicas) {
        catch_up(*rep, sc.changesets, sc.changesets.size(), false);
        rep->local.observe(max_hlc);
        rep->clock.set(max_hlc.wall_ms);
    }
    std::string id = ids[pick(rng, ids.size())];
    for (const auto& candidate : ids) {
        const auto rec = sc.replicas[0]->store.read("item", id);
        if (!rec || !rec->deleted()) break;
        id = candidate;
    }
    const std::string field = pick(rng, 2) == 0 ? "a" : "b";
    for (auto& rep : sc.replicas) {
        LocalTransaction txn;
        txn.put("item", id, {{field, random_value(rng, field)}});
        try {
            sc.changesets.push_back(rep->local.commit(txn));
        } catch (const ocop::Error& e) {
            REQUIRE(std::string(e.code()) == "record.deleted");
        }
    }
}

// Concurrent edits on `n` replicas. Clocks: a shared true time plus a per-replica offset that
// drifts, with occasional backward jumps (NTP corrections), so equal HLCs across replicas occur.
Scenario generate(uint64_t seed, int n, int steps) {
    Rng rng(seed);
    Scenario sc;
    int64_t true_time = 1'760'000'000'000;
    std::vector<int64_t> offset(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        offset[static_cast<size_t>(i)] = static_cast<int64_t>(pick(rng, 3)) - 1;
        sc.replicas.push_back(std::make_unique<Replica>("dev-" + std::to_string(i), true_time));
    }
    std::vector<std::string> ids;
    for (uint64_t i = 1; i <= 6; ++i) ids.push_back(ocop::test::uuid_for(i));
    const char* const fields[] = {"a", "b", "c"};
    for (int step = 0; step < steps; ++step) {
        // Time moves slowly compared with the edit rate, so that replicas often share a
        // millisecond and equal HLCs (decided by the replica id) occur on the same cell.
        if (chance(rng, 30)) ++true_time;
        const size_t r = pick(rng, static_cast<uint64_t>(n));
        Replica& rep = *sc.replicas[r];
        if (chance(rng, 10)) offset[r] += static_cast<int64_t>(pick(rng, 3)) - 1;  // drift
        if (chance(rng, 3)) offset[r] -= 20;  // an NTP correction jumps back
        if (chance(rng, 3)) offset[r] += 20;
        rep.clock.set(true_time + offset[r]);

        // Sometimes catch up with part of what others wrote (a partial sync), in creation order.
        if (chance(rng, 30) && rep.received < sc.changesets.size()) {
            const size_t upto = rep.received + 1 + pick(rng, sc.changesets.size() - rep.received);
            catch_up(rep, sc.changesets, upto, chance(rng, 70));
        }

        LocalTransaction txn;
        const size_t records = 1 + pick(rng, 2);
        for (size_t k = 0; k < records; ++k) {
            const std::string& id = ids[pick(rng, ids.size())];
            if (chance(rng, 3)) {
                txn.remove("item", id);
                continue;
            }
            ocop::FieldValues values;
            const size_t nf = 1 + pick(rng, 3);
            for (size_t f = 0; f < nf; ++f) {
                const std::string name = fields[pick(rng, 3)];
                values[name] = random_value(rng, name);
            }
            txn.put("item", id, values);
        }
        try {
            sc.changesets.push_back(rep.local.commit(txn));
        } catch (const ocop::Error& e) {
            // Editing a record this replica has seen deleted, or removing one it never saw.
            const std::string code = e.code();
            REQUIRE((code == "record.deleted" || code == "record.not_found"));
        }
        if (step % 25 == 24) simultaneous_edits(sc, ids, rng);
    }
    simultaneous_edits(sc, ids, rng);
    return sc;
}

// The expected final state, computed from the changesets alone: each cell takes the value of
// its greatest stamp. Also counts the cells written by more than one replica, and the cells
// whose final value was decided by the replica id (two writes share the greatest HLC).
Snapshot oracle(const std::vector<Changeset>& all, size_t* contested_cells, size_t* hlc_ties) {
    Snapshot out;
    std::map<ocop::test::CellKey, std::set<std::string>> writers;
    std::map<ocop::test::CellKey, std::vector<ocop::Hlc>> hlcs;
    for (const auto& cs : all) {
        const Stamp s = cs.stamp();
        for (const auto& r : cs.records)
            for (const auto& f : r.fields) {
                const ocop::test::CellKey key{r.collection, r.id, f.field};
                writers[key].insert(cs.replica);
                hlcs[key].push_back(cs.hlc);
                const auto it = out.find(key);
                if (it != out.end() && it->second.stamp == s) {
                    // The same stamp twice must be the same write.
                    CHECK(it->second.value == f.value.dump());
                    continue;
                }
                if (it == out.end() || it->second.stamp < s) out[key] = {f.value.dump(), s};
            }
    }
    *contested_cells = 0;
    *hlc_ties = 0;
    for (const auto& [key, w] : writers)
        if (w.size() > 1) ++*contested_cells;
    for (auto& [key, h] : hlcs) {
        std::sort(h.begin(), h.end());
        if (h.size() > 1 && h[h.size() - 1] == h[h.size() - 2]) ++*hlc_ties;
    }
    return out;
}

// Delivers `order` (indices into `all`) to `store` in random batches, one transaction each.
void deliver(SqliteStore& store, const std::vector<Changeset>& all,
             const std::vector<size_t>& order, Rng& rng) {
    for (size_t i = 0; i < order.size();) {
        const size_t batch = std::min(order.size() - i, static_cast<size_t>(1 + pick(rng, 4)));
        store.write([&](StoreTxn& t) {
            for (size_t k = i; k < i + batch; ++k) ocop::apply_changeset(t, all[order[k]]);
        });
        i += batch;
    }
}

std::vector<size_t> shuffled(size_t n, Rng& rng) {
    std::vector<size_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = i;
    std::shuffle(v.begin(), v.end(), rng);
    return v;
}

struct ScenarioSpec {
    uint64_t seed;
    int replicas;
    int steps;
};

}  // namespace

TEST_CASE("convergence: any delivery order, duplication and batching gives the same cells",
          "[convergence]") {
    static const ScenarioSpec specs[] = {{0xA11CE, 3, 80}, {0xB0B, 4, 100}, {0xCAFE, 5, 120}};
    const ScenarioSpec spec = specs[GENERATE(0, 1, 2)];
    CAPTURE(spec.seed, spec.replicas, spec.steps);
    Scenario sc = generate(spec.seed, spec.replicas, spec.steps);
    const std::vector<Changeset>& all = sc.changesets;
    size_t contested = 0, ties = 0;
    const Snapshot expected = oracle(all, &contested, &ties);
    // The scenario really exercises concurrency (otherwise the property is trivial).
    REQUIRE(all.size() >= static_cast<size_t>(spec.steps) / 2);
    REQUIRE(contested >= 5);
    REQUIRE(ties >= 1);

    SECTION("canonical order (replica, seq) matches the oracle") {
        std::vector<size_t> order(all.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
            return std::tie(all[x].replica, all[x].seq) < std::tie(all[y].replica, all[y].seq);
        });
        SqliteStore store(":memory:");
        Rng rng(1);
        deliver(store, all, order, rng);
        const Snapshot got = ocop::test::snapshot(store);
        CHECK(describe(got) == describe(expected));
    }

    SECTION("random permutations with duplicates and re-deliveries on fresh stores") {
        constexpr int kIterations = 70;  // per scenario; three scenarios
        size_t total_changes = 0;
        for (const auto& cs : all) total_changes += cs.change_count();
        for (int it = 0; it < kIterations; ++it) {
            const uint64_t seed = spec.seed * 1000 + static_cast<uint64_t>(it);
            INFO("delivery seed " << seed);
            Rng rng(seed);
            std::vector<size_t> order = shuffled(all.size(), rng);
            // Duplicates at random places (a retried upload, a re-sent pull page).
            const size_t dups = pick(rng, all.size() / 2 + 1);
            for (size_t d = 0; d < dups; ++d)
                order.insert(order.begin() + static_cast<long>(pick(rng, order.size() + 1)),
                             pick(rng, all.size()));
            SqliteStore store(":memory:");
            deliver(store, all, order, rng);
            // Sometimes everything once more, in yet another order.
            if (chance(rng, 30)) deliver(store, all, shuffled(all.size(), rng), rng);

            const Snapshot got = ocop::test::snapshot(store);
            if (got != expected) {
                FAIL_CHECK("store differs from the oracle\n--- got\n"
                           << describe(got) << "--- expected\n"
                           << describe(expected));
                break;
            }
            // Converged means nothing more can change.
            ocop::ApplyResult again;
            store.write([&](StoreTxn& t) {
                for (const auto& cs : all) {
                    const auto r = ocop::apply_changeset(t, cs);
                    again.applied += r.applied;
                    again.superseded += r.superseded;
                }
            });
            CHECK(again.applied == 0);
            CHECK(again.superseded == total_changes);
        }
    }

    SECTION("the replicas themselves converge after exchanging everything") {
        for (size_t r = 0; r < sc.replicas.size(); ++r) {
            const uint64_t seed = spec.seed * 7 + r;
            INFO("replica dev-" << r << " delivery seed " << seed);
            Rng rng(seed);
            // Its own changesets come back too (an echo from the server): harmless.
            deliver(sc.replicas[r]->store, all, shuffled(all.size(), rng), rng);
            const Snapshot got = ocop::test::snapshot(sc.replicas[r]->store);
            CHECK(describe(got) == describe(expected));
        }
    }
}
