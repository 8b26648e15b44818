// A deterministic simulation of the whole sync system in one process (issue 6, "Nothing lost"):
// the real core (SqliteStore, LocalReplica, HLC, merge rule) and the real sync engine (SyncClient,
// SyncService with SchemaGuard, ConflictRecorder with a server LocalReplica as conflict writer),
// joined by a simulated network that loses, duplicates, delays and reorders requests and
// partitions devices, all driven by one seeded PRNG and one simulated time. Every physical clock
// (server and devices, some a day off, some drifting, some jumping) is a function of that time,
// which only the simulation advances: nothing sleeps, and a seed replays exactly.
//
// The only sources of randomness outside the seed are the client's backoff jitter (SyncClient::run
// seeds it from std::random_device); the simulated sleep advances time by the deterministic part
// of each backoff only, so the jitter cannot change a run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/changeset.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/sync/clock_offset.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/sync_client.hpp"
#include "ocop/sync/sync_service.hpp"
#include "ocop/sync/transport.hpp"
#include "test_backend.hpp"

namespace ocop::sim {

// 2025-06-15: the simulated "now" every run starts from.
inline constexpr int64_t kT0 = 1'750'000'000'000;
inline constexpr int64_t kSecond = 1000;
inline constexpr int64_t kMinute = 60 * kSecond;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;

// A value the simulated server refuses (RefusingGuard), so that refusals and quarantine happen.
inline constexpr const char* kRefuseMarker = "REFUSE-ME";
inline constexpr const char* kRefusedCode = "sim.refused_marker";
inline constexpr const char* kServerReplica = "server-sim";
inline constexpr const char* kServerId = "sim-server-1";

// splitmix64: tiny, fast, and its output is fixed by its definition (std distributions are not
// the same across standard libraries, so the simulation never uses them).
class Rng {
  public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
    int64_t range(int64_t lo, int64_t hi) {  // inclusive
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }
    bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
    template <class T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }

  private:
    uint64_t s_;
};

// What the simulation did, summed over seeds to show that every path was exercised.
struct Stats {
    uint64_t creates = 0, edits = 0, deletes = 0, concurrent_bursts = 0, refuse_writes = 0;
    uint64_t local_rejections = 0, discards = 0, clock_jumps = 0, partitions = 0;
    uint64_t sync_runs = 0, complete_runs = 0, posts = 0, server_requests = 0;
    uint64_t dropped_requests = 0, delayed_requests = 0, stale_deliveries = 0, dropped_answers = 0;
    uint64_t duplicated_requests = 0, busy_answers = 0, partitioned_posts = 0;
    uint64_t duplicate_results = 0, restamped = 0, refused = 0, conflict_records = 0;
    uint64_t checked_writes = 0, kept_by_conflict = 0, kept_by_overwrite = 0;

    Stats& operator+=(const Stats& o);
    std::string summary() const;
};

// Network conditions: probabilities per post.
struct Weather {
    double drop_request = 0;    // lost before the server: it never sees it
    double keep_dropped = 0;    // ...but (this share of the lost ones) arrives later (delay)
    double drop_answer = 0;     // the server handled it; the device never hears the answer
    double duplicate = 0;       // the server receives the request twice
    double keep_duplicate = 0;  // ...and (this share) a third, stale copy arrives much later
    double busy = 0;            // 503 from an overloaded server, without handling
    double deliver_stale = 0;   // at each post: one held-back request arrives first
    // A congested downlink: the answer takes `slow_answer_ms` longer than usual, so the device's
    // clock-offset estimate (midpoint of send and receive) is off by about half of that.
    double slow_answer = 0;
    int64_t slow_answer_ms = 0;
    // The device's clock jumps between sending a request and reading the answer (the phone's
    // network time arriving just as the link comes back).
    double jump_in_exchange = 0;

    static Weather calm() { return {}; }
};

// The server refuses changesets that carry kRefuseMarker anywhere, after the real SchemaGuard.
class RefusingGuard final : public sync::ChangesetGuard {
  public:
    explicit RefusingGuard(sync::ChangesetGuard& inner) : inner_(inner) {}
    void check(StoreTxn& txn, const Changeset& cs, const sync::Principal& who) override;

  private:
    sync::ChangesetGuard& inner_;
};

struct SimServer {
    SimServer(const int64_t* now, const int64_t* skew);
    SimServer(const SimServer&) = delete;
    SimServer& operator=(const SimServer&) = delete;

    PhysicalClock clock;
    std::unique_ptr<Store> owned_store;  // SQLite or PostgreSQL: test_backend.hpp
    Store& store;
    HlcClock hlc;
    sync::SchemaGuard schema_guard;
    RefusingGuard guard;
    LocalReplica writer;  // the server's own replica: writes conflict records
    sync::SyncService service;
};

class World;

class SimTransport final : public sync::Transport {
  public:
    SimTransport(World& world, size_t device) : world_(world), device_(device) {}
    sync::HttpReply post(const std::string& path, const std::string& json_body,
                         const std::string& bearer_token) override;

  private:
    World& world_;
    size_t device_;
};

struct SimDevice {
    SimDevice(World& world, size_t index, std::string replica_id, int64_t skew_ms);
    SimDevice(const SimDevice&) = delete;
    SimDevice& operator=(const SimDevice&) = delete;

    size_t index;
    std::string id;
    sync::Principal who;
    int64_t skew_ms;        // raw clock = simulated time + skew
    int64_t drift_ppm = 0;  // skew grows by this many ms per 1000 s of simulated time
    int64_t drift_acc = 0;  // drift not yet whole milliseconds (ms * ppm)
    PhysicalClock raw;
    sync::ClockOffset offset;  // before `replica`, whose clock refers to it
    SqliteStore store;
    LocalReplica replica;
    SimTransport transport;
    sync::SyncOptions options;  // per device: page and batch sizes

    bool partitioned = false;
    // Added to the clock's skew between sending the next request and reading its answer (the
    // phone's network time arriving during a sync), then reset.
    int64_t jump_in_next_exchange = 0;
    // Transport bookkeeping for invariant 4.
    bool last_post_answered = false;   // the last post of the current run got a 200 answer
    uint64_t head_at_last_answer = 0;  // the server head when that answer was produced
    size_t posts_in_run = 0;
    std::vector<uint64_t> committed;  // seqs of the changesets this device committed

    uint64_t cursor();
};

// Key of one cell: (collection, record id, field).
using CellKey = std::tuple<std::string, std::string, std::string>;
struct CellState {
    Value value;
    Stamp stamp;
};
std::map<CellKey, CellState> snapshot(Store& store);
std::string describe(const CellKey& key);
std::string describe(const Stamp& s);

class World {
  public:
    struct DeviceSpec {
        std::string id;
        int64_t skew_ms = 0;
        int64_t drift_ppm = 0;
    };
    World(uint64_t seed, const std::vector<DeviceSpec>& devices, bool trace = false);
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    // ---- time
    int64_t now() const noexcept { return now_; }
    void advance(int64_t ms);

    // ---- device operations (each returns false if nothing was written)
    bool create(size_t d, bool refuse = false);
    bool edit(size_t d);
    bool edit_fields(size_t d, const std::string& id, const FieldValues& fields);
    bool remove(size_t d);
    bool remove_record(size_t d, const std::string& id);
    bool refuse_write(size_t d);
    bool concurrent_burst();
    bool discard_refused(size_t d);
    void jump_clock(size_t d);
    void jump_server_clock();
    void set_server_skew(int64_t ms) { server_skew_ = ms; }
    int64_t server_skew() const noexcept { return server_skew_; }
    void random_step();

    // One SyncClient::run with invariant 4 checked on its report.
    sync::SyncReport sync(size_t d, int max_attempts);
    // Heals the network, delivers everything held back, and syncs every device round after
    // round until a whole round is complete and the server head did not move.
    bool converge(int max_rounds = 8);

    // Invariants 1-3 (and the bookkeeping around them); violations are collected.
    void check_invariants();

    // ---- network (called by SimTransport)
    sync::HttpReply post(size_t d, const std::string& path, const std::string& body);
    void deliver_all_held();

    // ---- state
    SimDevice& device(size_t d) { return *devices_[d]; }
    size_t device_count() const noexcept { return devices_.size(); }
    SimServer& server() { return *server_; }
    Rng& rng() { return rng_; }
    Weather weather;
    Stats stats;
    std::vector<std::string> violations;
    std::vector<std::string> record_ids;              // every record created, in creation order
    std::set<std::pair<size_t, uint64_t>> discarded;  // (device, seq) discarded on purpose
    // Every changeset the server decoded, by (replica, seq); a seq never carries two contents.
    std::map<std::pair<std::string, uint64_t>, Changeset> seen;

    void violation(std::string what);
    void trace(const std::string& line);
    bool tracing() const noexcept { return trace_; }

    // Live record of device `d` with every required field set, or none.
    std::optional<Record> live_record(size_t d, const std::string& id);
    std::optional<std::string> pick_live(size_t d);
    FieldValues random_edit_fields();

  private:
    sync::HttpReply handle(size_t d, const std::string& body, bool stale);
    bool commit(size_t d, const LocalTransaction& txn, const char* what);
    int64_t latency(bool answer);

    bool trace_;
    int64_t now_ = kT0;
    int64_t server_skew_ = 0;  // the server's physical clock = simulated time + this
    Rng rng_;
    std::unique_ptr<SimServer> server_;
    std::vector<std::unique_ptr<SimDevice>> devices_;
    UuidV7Generator ids_;
    struct Held {
        size_t device;
        std::string body;
    };
    std::vector<Held> held_;  // requests delayed in the network, delivered later
};

// The random simulation of one seed: `steps` random steps, then healing and convergence, then
// every invariant. Returns the world for inspection.
std::unique_ptr<World> run_random_simulation(uint64_t seed, int steps, bool trace = false);

}  // namespace ocop::sim
