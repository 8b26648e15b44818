// Servers and devices of the sync tests, all in one process: a server is a SyncService over an
// in-memory SqliteStore with a hand-moved clock; a device is a LocalReplica on its own store with
// a hand-moved raw clock corrected by a ClockOffset, syncing through a LoopbackTransport. Sleeps
// between retries are recorded, never slept. Store snapshots are read cell by cell so that
// replicas can be compared value AND stamp.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "loopback_transport.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/changeset.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/sync/clock_offset.hpp"
#include "ocop/sync/sync_client.hpp"
#include "ocop/sync/sync_service.hpp"
#include "test_backend.hpp"

namespace ocop::sync::test {

// 2025-06-15T12:00:00Z: a plausible "now" for every clock of a test.
inline constexpr int64_t kT0 = 1'750'000'000'000;
inline constexpr int64_t kDayMs = 24 * 60 * 60 * 1000;

// The code of the ocop::Error thrown by `fn`, "<no error>" if it returned, or a marker naming
// any other exception (so that a wrong exception type fails a CHECK with a readable message).
inline std::string error_code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ocop::Error& e) {
        return e.code();
    } catch (const std::exception& e) {
        return std::string("<non-ocop exception: ") + e.what() + ">";
    } catch (...) {
        return "<unknown exception>";
    }
    return "<no error>";
}

// A physical clock moved by hand; copies share the same time.
class ManualClock {
  public:
    explicit ManualClock(int64_t ms) : ms_(std::make_shared<int64_t>(ms)) {}
    PhysicalClock fn() const {
        auto p = ms_;
        return [p] { return *p; };
    }
    void advance(int64_t delta) { *ms_ += delta; }
    int64_t get() const { return *ms_; }

  private:
    std::shared_ptr<int64_t> ms_;
};

// A deterministic lowercase UUID (version 7 layout) for record n.
inline std::string uuid_for(uint64_t n) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-7000-8000-%012llx",
                  static_cast<unsigned long long>(n));
    return buf;
}

// The required fields of an admin_unit of the built-in schema.
inline FieldValues unit_fields(const std::string& code, const std::string& name) {
    return {{"code", code}, {"name", name}, {"level", "commune"}, {"valid_from", "2025-07-01"}};
}

struct Server {
    // `path`: a file, for tests that back the store up and restore it.
    explicit Server(std::string id = "server-1", int64_t now = kT0,
                    const std::string& path = ":memory:")
        : clock(now),
          owned_store(ocop::test::make_server_store(path)),
          store(*owned_store),
          hlc(clock.fn(), ocop::tuning::max_clock_ahead_ms),
          guard(builtin_schema()),
          service(store, hlc, guard, std::move(id), builtin_schema().version()) {}
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    ManualClock clock;
    std::unique_ptr<Store> owned_store;  // SQLite or PostgreSQL: test_backend.hpp
    Store& store;
    HlcClock hlc;
    SchemaGuard guard;
    SyncService service;

    uint64_t last_applied(const std::string& replica) {
        uint64_t n = 0;
        store.write([&](StoreTxn& t) { n = t.last_applied(replica); });
        return n;
    }
};

struct Device {
    Device(Server& server, const std::string& replica_id, int64_t raw_now = kT0,
           const Schema& schema = builtin_schema())
        : raw(raw_now),
          store(":memory:"),
          replica(store, schema, offset.corrected(raw.fn()), replica_id),
          transport(server.service,
                    Principal{"officer-" + replica_id, "phone-" + replica_id, replica_id}) {}
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    ManualClock raw;     // the phone's own, uncorrected clock
    ClockOffset offset;  // before `replica`, whose clock refers to it
    SqliteStore store;
    LocalReplica replica;
    LoopbackTransport transport;
    std::vector<std::chrono::milliseconds> sleeps;  // backoffs the client asked for

    SyncReport sync(SyncOptions options = {},
                    const std::function<void(const SyncProgress&)>& on_progress = {},
                    const std::atomic<bool>* cancel = nullptr) {
        options.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
        SyncClient client(replica, transport, "token-" + replica.id(), options, &offset, raw.fn());
        return client.run(on_progress, cancel);
    }

    Changeset put(const std::string& id, const FieldValues& fields,
                  const std::string& collection = "admin_unit") {
        LocalTransaction t;
        t.put(collection, id, fields);
        return replica.commit(t);
    }
    Changeset remove(const std::string& id, const std::string& collection = "admin_unit") {
        LocalTransaction t;
        t.remove(collection, id);
        return replica.commit(t);
    }
    std::vector<uint64_t> outbox_seqs() {
        std::vector<uint64_t> out;
        for (const auto& cs : store.outbox(1000)) out.push_back(cs.seq);
        return out;
    }
};

// One line for a failed sync: what the client reported, for INFO().
inline std::string report_text(const SyncReport& r) {
    return std::string("complete=") + (r.complete ? "yes" : "no") + " error=" + r.error_code +
           " (" + r.error_message + ") transient=" + (r.error_transient ? "yes" : "no") +
           " requests=" + std::to_string(r.progress.requests) +
           " pending=" + std::to_string(r.progress.pending);
}

// Writes `count` admin units (4 fields each) on `d` as `count` changesets.
inline void write_units(Device& d, uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i)
        d.put(uuid_for(i), unit_fields("U" + std::to_string(i), "Đơn vị " + std::to_string(i)));
}

// The built-in schema with one more option for admin_unit.level: an app whose schema the server
// does not share, so that the device accepts a value the server refuses.
inline const Schema& lenient_schema() {
    static const Schema schema = [] {
        nlohmann::json doc = nlohmann::json::parse(ocop::builtin_schema_json());
        for (auto& coll : doc.at("collections")) {
            if (coll.at("name") != "admin_unit") continue;
            for (auto& f : coll.at("fields"))
                if (f.at("name") == "level")
                    f.at("options").push_back({{"value", "hamlet"}, {"label_vi", "Thôn"}});
        }
        return Schema::from_json(doc);
    }();
    return schema;
}

// Every current cell of a store, keyed by (collection, record id, field): value text and stamp.
using CellKey = std::tuple<std::string, std::string, std::string>;
struct CellState {
    std::string value;  // Value::dump()
    Stamp stamp;
    bool operator==(const CellState&) const = default;
};
using Snapshot = std::map<CellKey, CellState>;

inline Snapshot snapshot(Store& store) {
    Snapshot out;
    uint64_t cursor = 0;
    for (;;) {
        const ChangePage page = store.changes_since(cursor, 1000, 1 << 24);
        for (const auto& c : page.cells)
            out[{c.collection, c.record_id, c.field}] = {c.current.value.dump(), c.current.stamp};
        if (page.cells.empty() || !page.more) break;
        cursor = page.cursor;
    }
    return out;
}

inline std::string describe(const Stamp& s) {
    return "[" + std::to_string(s.hlc.wall_ms) + "," + std::to_string(s.hlc.logical) + "," +
           s.replica + "]";
}

inline std::string describe(const Snapshot& s) {
    std::ostringstream os;
    for (const auto& [k, v] : s)
        os << std::get<0>(k) << "/" << std::get<1>(k) << "." << std::get<2>(k) << " = " << v.value
           << " @" << describe(v.stamp) << "\n";
    return os.str();
}

// The stamp and value of one cell of a store, read directly.
inline std::optional<CellValue> cell_of(Store& store, const std::string& id,
                                        const std::string& field,
                                        const std::string& collection = "admin_unit") {
    const auto rec = store.read(collection, id);
    if (!rec) return std::nullopt;
    const auto it = rec->fields.find(field);
    if (it == rec->fields.end()) return std::nullopt;
    return it->second;
}

// Where a device's pull stands (the meta key the client checkpoints after each applied page).
inline uint64_t pull_cursor(Device& d) {
    return stored_u64(d.store.meta(meta_key::pull_cursor), meta_key::pull_cursor);
}

}  // namespace ocop::sync::test

namespace Catch {
template <>
struct StringMaker<ocop::Hlc> {
    static std::string convert(const ocop::Hlc& h) {
        return "{" + std::to_string(h.wall_ms) + ", " + std::to_string(h.logical) + "}";
    }
};
template <>
struct StringMaker<ocop::Stamp> {
    static std::string convert(const ocop::Stamp& s) { return ocop::sync::test::describe(s); }
};
}  // namespace Catch
