#include "sim_world.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::sim {

namespace {

// A run that needs more posts than this is looping: the transport stops it (and says so).
constexpr size_t kMaxPostsPerRun = 2000;

const std::vector<std::string> kKinds = {"tourism_site", "production_facility", "market_point",
                                         "pre_scoring_check"};
const std::vector<std::string> kSites = {"Bản Lác, Mai Châu", "Chợ Đồng Xuân", "Làng gốm Bát Tràng",
                                         "HTX chè Tân Cương", "Làng lụa Vạn Phúc"};
const std::vector<Value> kConclusions = {"Đạt", "Không đạt", "Cần bổ sung hồ sơ",
                                         "Đạt, đề nghị chấm điểm", nullptr};
// A small fixed set of administrative units (references only need a UUID).
const std::vector<std::string> kUnits = {"0190a000-0000-7000-8000-000000000001",
                                         "0190a000-0000-7000-8000-000000000002",
                                         "0190a000-0000-7000-8000-000000000003"};
// Fields a random edit may touch (never a required field set to null).
const std::vector<std::string> kEditable = {"site_name", "conclusion", "status",
                                            "kind",      "gps_lat",    "gps_lon",
                                            "checklist", "ended_at",   "team"};
// Fields two devices deliberately edit at once.
const std::vector<std::string> kContended = {"site_name", "conclusion", "status", "checklist",
                                             "gps_lat"};

int status_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid_input:
            return 400;
        case ErrorKind::unauthorized:
            return 401;
        case ErrorKind::forbidden:
            return 403;
        case ErrorKind::not_found:
            return 404;
        case ErrorKind::conflict:
            return 409;
        case ErrorKind::too_large:
            return 413;
        case ErrorKind::transient:
            return 503;
        case ErrorKind::internal:
            return 500;
    }
    return 500;
}

// The client waits `backoff + jitter` with jitter in [0, backoff/2] and backoff = 500 ms * 2^k
// (capped at max_backoff = 500 ms * 2^n). The jitter comes from std::random_device, so the
// simulated time advances by the backoff alone: the largest 500 ms * 2^k not above the wait.
int64_t deterministic_backoff(std::chrono::milliseconds wait) {
    int64_t b = 500;
    while (b * 2 <= wait.count()) b *= 2;
    return b;
}

std::string json_text(const Value& v) {
    std::string s = v.dump();
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

}  // namespace

// ------------------------------------------------------------------------------------- Stats

Stats& Stats::operator+=(const Stats& o) {
    creates += o.creates;
    edits += o.edits;
    deletes += o.deletes;
    concurrent_bursts += o.concurrent_bursts;
    refuse_writes += o.refuse_writes;
    local_rejections += o.local_rejections;
    discards += o.discards;
    clock_jumps += o.clock_jumps;
    partitions += o.partitions;
    sync_runs += o.sync_runs;
    complete_runs += o.complete_runs;
    posts += o.posts;
    server_requests += o.server_requests;
    dropped_requests += o.dropped_requests;
    delayed_requests += o.delayed_requests;
    stale_deliveries += o.stale_deliveries;
    dropped_answers += o.dropped_answers;
    duplicated_requests += o.duplicated_requests;
    busy_answers += o.busy_answers;
    partitioned_posts += o.partitioned_posts;
    duplicate_results += o.duplicate_results;
    restamped += o.restamped;
    refused += o.refused;
    conflict_records += o.conflict_records;
    checked_writes += o.checked_writes;
    kept_by_conflict += o.kept_by_conflict;
    kept_by_overwrite += o.kept_by_overwrite;
    return *this;
}

std::string Stats::summary() const {
    std::ostringstream s;
    s << "writes: " << creates << " creates, " << edits << " edits, " << deletes << " deletes, "
      << concurrent_bursts << " concurrent bursts, " << refuse_writes << " refused-value writes, "
      << local_rejections << " rejected locally, " << discards
      << " discarded refusals; clocks: " << clock_jumps << " jumps; network: " << sync_runs
      << " sync runs (" << complete_runs << " complete), " << posts << " posts, " << server_requests
      << " server requests, " << dropped_requests << " requests lost (" << delayed_requests
      << " held back, " << stale_deliveries << " delivered late), " << dropped_answers
      << " answers lost, " << duplicated_requests << " duplicated, " << busy_answers << " busy, "
      << partitions << " partitions (" << partitioned_posts
      << " posts into them); server: " << duplicate_results << " duplicate results, " << restamped
      << " restamped, " << refused << " refused, " << conflict_records
      << " conflict records; checked " << checked_writes << " acknowledged field writes ("
      << kept_by_conflict << " kept only in a conflict record, " << kept_by_overwrite
      << " overwritten knowingly)";
    return s.str();
}

// ------------------------------------------------------------------------------- the server

void RefusingGuard::check(StoreTxn& txn, const Changeset& cs, const sync::Principal& who) {
    inner_.check(txn, cs, who);
    for (const auto& rec : cs.records)
        for (const auto& f : rec.fields)
            if (f.value.is_string() && f.value.get_ref<const std::string&>() == kRefuseMarker)
                throw Error(ErrorKind::invalid_input, kRefusedCode,
                            rec.collection + "." + f.field + ": the simulated server refuses '" +
                                kRefuseMarker + "'");
}

SimServer::SimServer(const int64_t* now, const int64_t* skew)
    : clock([now, skew] { return *now + *skew; }),
      owned_store(ocop::test::make_server_store()),
      store(*owned_store),
      hlc(clock, tuning::max_clock_ahead_ms),
      schema_guard(builtin_schema()),
      guard(schema_guard),
      writer(store, builtin_schema(), clock, kServerReplica, {}, /*keep_outbox=*/false),
      service(store, hlc, guard, kServerId, builtin_schema().version(), &writer) {}

// ------------------------------------------------------------------------------- the devices

SimDevice::SimDevice(World& world, size_t index_, std::string replica_id, int64_t skew)
    : index(index_),
      id(std::move(replica_id)),
      who{"officer-" + id, "phone-" + id, id},
      skew_ms(skew),
      raw([this, &world] { return world.now() + skew_ms; }),
      store(":memory:"),
      replica(store, builtin_schema(), offset.corrected(raw), id),
      transport(world, index_) {}

uint64_t SimDevice::cursor() {
    return std::stoull(store.meta(sync::meta_key::pull_cursor).value_or("0"));
}

sync::HttpReply SimTransport::post(const std::string& path, const std::string& json_body,
                                   const std::string& /*bearer_token*/) {
    return world_.post(device_, path, json_body);
}

// ------------------------------------------------------------------------------------ helpers

std::map<CellKey, CellState> snapshot(Store& store) {
    std::map<CellKey, CellState> out;
    const ChangePage page = store.changes_since(0, 1u << 30, size_t{1} << 40);
    for (const auto& c : page.cells)
        out.emplace(CellKey{c.collection, c.record_id, c.field},
                    CellState{c.current.value, c.current.stamp});
    return out;
}

std::string describe(const CellKey& key) {
    return std::get<0>(key) + "/" + std::get<1>(key) + "/" + std::get<2>(key);
}

std::string describe(const Stamp& s) {
    return "[" + std::to_string(s.hlc.wall_ms) + "," + std::to_string(s.hlc.logical) + "," +
           s.replica + "]";
}

// -------------------------------------------------------------------------------------- World

World::World(uint64_t seed, const std::vector<DeviceSpec>& specs, bool trace)
    : trace_(trace),
      rng_(seed),
      server_(std::make_unique<SimServer>(&now_, &server_skew_)),
      ids_(seed ^ 0x1d5eedULL) {
    for (size_t i = 0; i < specs.size(); ++i) {
        devices_.push_back(std::make_unique<SimDevice>(*this, i, specs[i].id, specs[i].skew_ms));
        SimDevice& d = *devices_.back();
        d.drift_ppm = specs[i].drift_ppm;
        // Small pages and batches, different per device, so paging and multi-request pushes
        // are part of every run.
        d.options.page_cells = rng_.pick(std::vector<size_t>{4, 16, 64, 0});
        d.options.page_bytes = rng_.chance(0.25) ? 1024 : 0;
        d.options.max_changesets_per_request = rng_.pick(std::vector<size_t>{1, 3, 500});
        d.options.initial_backoff = std::chrono::milliseconds(500);
        d.options.max_backoff = std::chrono::milliseconds(8000);
    }
}

void World::violation(std::string what) {
    trace("VIOLATION: " + what);
    violations.push_back(std::move(what));
}

void World::trace(const std::string& line) {
    if (trace_)
        std::printf("[t=%+.3fs] %s\n", static_cast<double>(now_ - kT0) / 1000.0, line.c_str());
}

void World::advance(int64_t ms) {
    now_ += ms;
    for (auto& d : devices_) {
        d->drift_acc += ms * d->drift_ppm;
        d->skew_ms += d->drift_acc / 1'000'000;
        d->drift_acc %= 1'000'000;
    }
}

int64_t World::latency(bool answer) {
    int64_t ms = rng_.range(20, 400);
    if (answer && rng_.chance(weather.slow_answer)) ms += weather.slow_answer_ms;
    return ms;
}

// -------------------------------------------------------------------------------- the network

sync::HttpReply World::post(size_t d, const std::string& path, const std::string& body) {
    SimDevice& dev = device(d);
    dev.last_post_answered = false;
    ++stats.posts;
    if (++dev.posts_in_run > kMaxPostsPerRun) {
        violation(dev.id + ": a sync run made more than " + std::to_string(kMaxPostsPerRun) +
                  " requests (loop?)");
        throw Error(ErrorKind::internal, "sim.runaway", "sim: runaway sync run stopped");
    }
    advance(latency(false));  // on the way
    if (dev.partitioned) {
        ++stats.partitioned_posts;
        throw Error(ErrorKind::transient, errc::sync_network, "sim: no route to the server");
    }
    // Reordering: a request held back in the network arrives before this one.
    if (!held_.empty() && rng_.chance(weather.deliver_stale)) {
        const size_t i = rng_.below(held_.size());
        const Held h = std::move(held_[i]);
        held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
        ++stats.stale_deliveries;
        trace("network: a held-back request of " + device(h.device).id + " arrives late");
        handle(h.device, h.body, true);
    }
    if (path != "/v1/sync") {
        violation("client posted to " + path);
        return {404, sync::wire::error_body(errc::http_not_found, "no route " + path)};
    }
    if (rng_.chance(weather.busy)) {
        ++stats.busy_answers;
        return {503, sync::wire::error_body(errc::sync_server_error, "sim: server busy")};
    }
    if (rng_.chance(weather.drop_request)) {
        ++stats.dropped_requests;
        if (rng_.chance(weather.keep_dropped)) {
            ++stats.delayed_requests;
            held_.push_back({d, body});
            trace("network: request of " + dev.id + " held back (the device gives up on it)");
        } else {
            trace("network: request of " + dev.id + " lost");
        }
        throw Error(ErrorKind::transient, errc::sync_network, "sim: request lost");
    }
    if (rng_.chance(weather.duplicate)) {
        ++stats.duplicated_requests;
        trace("network: request of " + dev.id + " duplicated");
        handle(d, body, false);  // the first copy; the device hears the second one's answer
        if (rng_.chance(weather.keep_duplicate)) held_.push_back({d, body});
    }
    sync::HttpReply reply = handle(d, body, false);
    const uint64_t head = server_->store.head();
    if (dev.jump_in_next_exchange != 0) {
        dev.skew_ms += dev.jump_in_next_exchange;
        dev.jump_in_next_exchange = 0;
        trace(dev.id + ": clock steps while the answer is on its way; skew now " +
              std::to_string(dev.skew_ms) + " ms");
    } else if (rng_.chance(weather.jump_in_exchange)) {
        trace(dev.id + ": clock jumps while the answer is on its way");
        jump_clock(d);
    }
    advance(latency(true));  // on the way back
    if (reply.status == 200 && rng_.chance(weather.drop_answer)) {
        ++stats.dropped_answers;
        trace("network: answer to " + dev.id + " lost");
        if (rng_.chance(0.5))
            throw Error(ErrorKind::transient, errc::sync_network, "sim: answer lost");
        return {504, sync::wire::error_body(errc::sync_timeout, "sim: gateway timeout")};
    }
    if (reply.status == 200) {
        dev.last_post_answered = true;
        dev.head_at_last_answer = head;
    }
    return reply;
}

sync::HttpReply World::handle(size_t d, const std::string& body, bool stale) {
    ++stats.server_requests;
    SimDevice& dev = device(d);
    try {
        const sync::SyncRequest req = sync::wire::decode_request(body);
        for (const auto& cs : req.changesets) {
            const auto [it, inserted] = seen.emplace(std::make_pair(cs.replica, cs.seq), cs);
            if (!inserted && codec::encode(it->second) != codec::encode(cs))
                violation("changeset " + cs.replica + "/" + std::to_string(cs.seq) +
                          " was sent with two different contents");
        }
        const sync::SyncResponse resp = server_->service.handle(req, dev.who);
        std::string outcome;
        for (const auto& r : resp.results) {
            outcome += " " + std::to_string(r.seq);
            if (r.duplicate) {
                ++stats.duplicate_results;
                outcome += "(dup)";
                continue;
            }
            if (r.outcome == sync::Outcome::refused) {
                ++stats.refused;
                outcome += "(refused)";
            } else if (r.restamped) {
                ++stats.restamped;
                outcome += "(restamped)";
            }
        }
        if (tracing())
            trace(std::string("server: ") + (stale ? "late " : "") + "request of " + dev.id +
                  " pushed [" + outcome + " ] pull from " +
                  std::to_string(req.pull ? req.pull->cursor : 0) + ", head " +
                  std::to_string(server_->store.head()));
        return {200, sync::wire::encode(resp)};
    } catch (const Error& e) {
        // Nothing the simulated devices send deserves a request-level error.
        violation("server answered " + dev.id + " with " + e.code() + ": " + e.what());
        return {status_for(e.kind()), sync::wire::error_body(e.code(), e.what())};
    }
}

void World::deliver_all_held() {
    while (!held_.empty()) {
        const size_t i = rng_.below(held_.size());
        const Held h = std::move(held_[i]);
        held_.erase(held_.begin() + static_cast<std::ptrdiff_t>(i));
        ++stats.stale_deliveries;
        handle(h.device, h.body, true);
    }
}

// ------------------------------------------------------------------------------------ syncing

sync::SyncReport World::sync(size_t d, int max_attempts) {
    SimDevice& dev = device(d);
    sync::SyncOptions options = dev.options;
    options.max_attempts = max_attempts;
    options.sleep = [this](std::chrono::milliseconds wait) {
        advance(deterministic_backoff(wait));
    };
    dev.posts_in_run = 0;
    dev.last_post_answered = false;
    ++stats.sync_runs;
    trace(dev.id + ": sync (" + std::to_string(dev.store.outbox_size()) + " pending, cursor " +
          std::to_string(dev.cursor()) + ")");
    sync::SyncReport report;
    try {
        sync::SyncClient client(dev.replica, dev.transport, "token-" + dev.id, options, &dev.offset,
                                dev.raw);
        report = client.run();
    } catch (const std::exception& e) {
        violation(dev.id + ": SyncClient::run threw: " + e.what());
        return report;
    }

    // Invariant 4, honest status: `complete` only when, at that moment, nothing was pending and
    // the device's pull cursor equalled the server's head; never after a failed final exchange.
    const size_t outbox = dev.store.outbox_size();
    const uint64_t cursor = dev.cursor();
    if (report.complete) {
        ++stats.complete_runs;
        if (!dev.last_post_answered)
            violation(dev.id + ": run reported complete although its last exchange failed");
        if (outbox != 0)
            violation(dev.id + ": run reported complete with " + std::to_string(outbox) +
                      " changesets in the outbox");
        if (cursor != dev.head_at_last_answer || cursor != server_->store.head())
            violation(dev.id + ": run reported complete at cursor " + std::to_string(cursor) +
                      " but the server head was " + std::to_string(dev.head_at_last_answer) +
                      " (now " + std::to_string(server_->store.head()) + ")");
        if (!report.error_code.empty())
            violation(dev.id + ": complete run with error " + report.error_code);
    } else if (report.error_code.empty()) {
        violation(dev.id + ": incomplete run without an error code");
    }
    if (report.progress.pending != outbox)
        violation(dev.id + ": report says " + std::to_string(report.progress.pending) +
                  " pending, the outbox holds " + std::to_string(outbox));
    trace(dev.id + ": sync " + (report.complete ? "complete" : "incomplete: " + report.error_code) +
          ", " + std::to_string(report.progress.requests) + " requests, pushed " +
          std::to_string(report.progress.pushed) + ", refused " +
          std::to_string(report.progress.refused) + ", pulled " +
          std::to_string(report.progress.pulled_cells) + ", cursor " + std::to_string(cursor) +
          "; device clock " + std::to_string(dev.replica.clock().physical_ms()) + " (offset " +
          std::to_string(dev.offset.get()) + "), hlc " +
          std::to_string(dev.replica.clock().last().wall_ms) + "; server hlc " +
          std::to_string(server_->hlc.last().wall_ms));
    return report;
}

bool World::converge(int max_rounds) {
    trace("---- heal: no faults, no partitions, held-back requests delivered");
    weather = Weather::calm();
    for (auto& d : devices_) d->partitioned = false;
    deliver_all_held();
    for (int round = 0; round < max_rounds; ++round) {
        const uint64_t head_before = server_->store.head();
        bool all_complete = true;
        for (size_t d = 0; d < devices_.size(); ++d)
            all_complete = sync(d, 3).complete && all_complete;
        if (all_complete && server_->store.head() == head_before) return true;
    }
    violation("devices did not all report complete after " + std::to_string(max_rounds) +
              " rounds on a healed network");
    return false;
}

// ------------------------------------------------------------------------- device operations

bool World::commit(size_t d, const LocalTransaction& txn, const char* what) {
    SimDevice& dev = device(d);
    try {
        const Changeset cs = dev.replica.commit(txn);
        dev.committed.push_back(cs.seq);
        if (tracing()) {
            std::string fields;
            for (const auto& rec : cs.records)
                for (const auto& f : rec.fields)
                    fields += " " + rec.id.substr(30) + "." + f.field + "=" + json_text(f.value);
            trace(dev.id + ": " + what + " -> changeset " + std::to_string(cs.seq) + " " +
                  describe(cs.stamp()) + fields);
        }
        return true;
    } catch (const Error& e) {
        // A record whose creation the server refused is partly restored away, and another
        // device's deletion may have arrived: the device's own checks refuse the edit.
        ++stats.local_rejections;
        trace(dev.id + ": " + what + " rejected locally: " + e.code());
        return false;
    }
}

std::optional<Record> World::live_record(size_t d, const std::string& id) {
    auto rec = device(d).store.read("inspection", id);
    if (!rec || rec->deleted()) return std::nullopt;
    for (const auto& f : builtin_schema().require_collection("inspection").fields)
        if (f.required && rec->get(f.name).is_null()) return std::nullopt;
    return rec;
}

std::optional<std::string> World::pick_live(size_t d) {
    if (record_ids.empty()) return std::nullopt;
    for (int tries = 0; tries < 12; ++tries) {
        const std::string& id = rng_.pick(record_ids);
        if (live_record(d, id)) return id;
    }
    return std::nullopt;
}

namespace {

Value random_value(Rng& rng, const std::string& field, int64_t now) {
    if (field == "site_name") return rng.pick(kSites);
    if (field == "conclusion") return rng.pick(kConclusions);
    if (field == "status") return rng.chance(0.5) ? "draft" : "signed";
    if (field == "kind") return rng.pick(kKinds);
    if (field == "gps_lat") return 20.0 + static_cast<double>(rng.below(8)) / 8.0;
    if (field == "gps_lon") return 105.0 + static_cast<double>(rng.below(1000)) / 1000.0;
    if (field == "checklist")
        return Value{{"giay_phep", rng.chance(0.5)}, {"ve_sinh", rng.chance(0.5)}};
    if (field == "ended_at") return sync::iso_utc(now + static_cast<int64_t>(rng.below(4)) * kHour);
    if (field == "team")
        return rng.chance(0.5)
                   ? Value::array({{{"name", "Nguyễn Văn An"}, {"role", "truong_doan"}}})
                   : Value::array({{{"name", "Trần Thị Bình"}, {"role", "thu_ky"}}});
    return nullptr;
}

}  // namespace

FieldValues World::random_edit_fields() {
    FieldValues out;
    const uint64_t n = 1 + rng_.below(3);
    for (uint64_t i = 0; i < n; ++i) {
        const std::string& f = rng_.pick(kEditable);
        out[f] = random_value(rng_, f, now_);
    }
    return out;
}

bool World::create(size_t d, bool refuse) {
    const std::string id = ids_.next(now_);
    FieldValues f = {{"kind", rng_.pick(kKinds)},
                     {"site_name", refuse ? Value(kRefuseMarker) : Value(rng_.pick(kSites))},
                     {"started_at", sync::iso_utc(now_)},
                     {"status", "draft"},
                     {"unit", rng_.pick(kUnits)}};
    if (rng_.chance(0.5)) f["conclusion"] = random_value(rng_, "conclusion", now_);
    if (rng_.chance(0.5)) f["gps_lat"] = random_value(rng_, "gps_lat", now_);
    LocalTransaction t;
    t.put("inspection", id, f);
    if (!commit(d, t, refuse ? "create (refused value)" : "create")) return false;
    record_ids.push_back(id);
    ++stats.creates;
    return true;
}

bool World::edit_fields(size_t d, const std::string& id, const FieldValues& fields) {
    LocalTransaction t;
    t.put("inspection", id, fields);
    if (!commit(d, t, "edit")) return false;
    ++stats.edits;
    return true;
}

bool World::edit(size_t d) {
    const auto id = pick_live(d);
    return id && edit_fields(d, *id, random_edit_fields());
}

bool World::remove_record(size_t d, const std::string& id) {
    LocalTransaction t;
    t.remove("inspection", id);
    if (!commit(d, t, "delete")) return false;
    ++stats.deletes;
    return true;
}

bool World::remove(size_t d) {
    const auto id = pick_live(d);
    return id && remove_record(d, *id);
}

bool World::refuse_write(size_t d) {
    ++stats.refuse_writes;
    if (rng_.chance(0.3)) return create(d, true);
    const auto id = pick_live(d);
    if (!id) return false;
    FieldValues f = rng_.chance(0.5) ? random_edit_fields() : FieldValues{};
    f["site_name"] = kRefuseMarker;
    return edit_fields(d, *id, f);
}

bool World::concurrent_burst() {
    if (record_ids.empty()) return false;
    for (int tries = 0; tries < 12; ++tries) {
        const std::string& id = rng_.pick(record_ids);
        std::vector<size_t> holders;
        for (size_t d = 0; d < devices_.size(); ++d)
            if (live_record(d, id)) holders.push_back(d);
        if (holders.size() < 2) continue;
        ++stats.concurrent_bursts;
        const std::string& field = rng_.pick(kContended);
        const Value shared = random_value(rng_, field, now_);
        const bool one_deletes = rng_.chance(0.1);
        trace("---- concurrent edits of " + id.substr(30) + "." + field + " on " +
              std::to_string(holders.size()) + " devices");
        for (size_t i = 0; i < holders.size(); ++i) {
            if (one_deletes && i == 0) {
                remove_record(holders[i], id);
                continue;
            }
            FieldValues f = rng_.chance(0.3) ? random_edit_fields() : FieldValues{};
            f[field] = rng_.chance(0.2) ? shared : random_value(rng_, field, now_);
            edit_fields(holders[i], id, f);
            advance(rng_.range(0, 50));
        }
        return true;
    }
    return false;
}

bool World::discard_refused(size_t d) {
    SimDevice& dev = device(d);
    const auto q = dev.store.quarantined();
    if (q.empty()) return false;
    const uint64_t seq = q.front().changeset.seq;
    dev.store.write([&](StoreTxn& t) { t.quarantine_remove(seq); });
    discarded.insert({d, seq});
    ++stats.discards;
    trace(dev.id + ": discards refused changeset " + std::to_string(seq));
    return true;
}

void World::jump_clock(size_t d) {
    SimDevice& dev = device(d);
    static const std::vector<int64_t> jumps = {
        -kDay, kDay, -kHour, kHour, -10 * kMinute, 10 * kMinute, -30 * kSecond, 30 * kSecond};
    if (rng_.chance(0.2))
        dev.skew_ms = rng_.range(-2 * kSecond, 2 * kSecond);  // the officer fixes the clock
    else
        dev.skew_ms += rng_.pick(jumps);
    ++stats.clock_jumps;
    trace(dev.id + ": clock jumps; skew now " + std::to_string(dev.skew_ms) + " ms");
}

void World::jump_server_clock() {
    static const std::vector<int64_t> jumps = {-kHour, -10 * kMinute, -2 * kMinute, 2 * kMinute,
                                               10 * kMinute};
    if (rng_.chance(0.3))
        server_skew_ = 0;  // NTP puts it right
    else
        server_skew_ += rng_.pick(jumps);
    ++stats.clock_jumps;
    trace("server: clock jumps; skew now " + std::to_string(server_skew_) + " ms");
}

void World::random_step() {
    advance(rng_.chance(0.03) ? rng_.range(kMinute, 3 * kHour) : rng_.range(0, 5 * kSecond));
    const size_t d = rng_.below(devices_.size());
    const uint64_t r = rng_.below(100);
    if (r < 14) {
        create(d);
    } else if (r < 34) {
        edit(d);
    } else if (r < 38) {
        remove(d);
    } else if (r < 42) {
        refuse_write(d);
    } else if (r < 50) {
        concurrent_burst();
    } else if (r < 52) {
        discard_refused(d);
    } else if (r < 54) {
        jump_clock(d);
    } else if (r < 55) {
        jump_server_clock();
    } else if (r < 59) {
        SimDevice& dev = device(d);
        dev.partitioned = !dev.partitioned;
        if (dev.partitioned) ++stats.partitions;
        trace(dev.id + (dev.partitioned ? ": partitioned from the server" : ": reachable again"));
    } else {
        sync(d, 1 + static_cast<int>(rng_.below(3)));
    }
}

// --------------------------------------------------------------------------------- invariants

namespace {

// One field change the server applied, with the stamp it applied it under.
struct AppliedWrite {
    std::string replica;
    uint64_t seq = 0;
    Stamp stamp;  // the server's restamp if it re-stamped the changeset, else the changeset's
    Value value;
    std::optional<Stamp> base;
};

}  // namespace

void World::check_invariants() {
    const auto server_cells = snapshot(server_->store);

    // ---- 1. Every replica holds exactly the server's cells: value AND stamp, every collection
    // (the conflict records included).
    for (auto& dev : devices_) {
        const auto cells = snapshot(dev->store);
        int reported = 0;
        auto report = [&](const std::string& what) {
            if (++reported <= 5) violation(dev->id + " differs from the server: " + what);
        };
        for (const auto& [key, cell] : server_cells) {
            const auto it = cells.find(key);
            if (it == cells.end())
                report("lacks " + describe(key));
            else if (it->second.stamp != cell.stamp || it->second.value != cell.value)
                report(describe(key) + " is " + json_text(it->second.value) + " " +
                       describe(it->second.stamp) + ", server has " + json_text(cell.value) + " " +
                       describe(cell.stamp));
        }
        for (const auto& [key, cell] : cells)
            if (!server_cells.count(key))
                report("has " + describe(key) + " = " + json_text(cell.value) + " " +
                       describe(cell.stamp) + " the server does not have");
    }

    // ---- What the server applied and refused, from its own exactly-once bookkeeping (the
    // receipts), whether or not the device heard the answer.
    std::map<CellKey, std::vector<AppliedWrite>> writes;
    std::set<Stamp> refused_stamps;
    // The stamp promise (hlc.hpp): two different writes never carry the same stamp, since the
    // merge rule takes an equal stamp for the same write delivered again. The stamp each applied
    // changeset ended with (its own, or the one the server gave it by restamping) must be
    // unique. A restamped changeset's own stamp is no write: the device replaces it.
    std::map<Stamp, std::string> stamp_owner;
    std::set<Stamp> restamped_stamps;
    auto own_stamp = [&](const Stamp& s, const std::string& replica, uint64_t seq,
                         const char* how) {
        const std::string name = replica + "/" + std::to_string(seq);
        const auto [it, inserted] = stamp_owner.emplace(s, name + " (" + how + ")");
        if (!inserted && it->second.compare(0, name.size() + 1, name + " ") != 0)
            violation("two writes share the stamp " + describe(s) + ": " + it->second + " and " +
                      name + " (" + how + ")");
    };
    for (auto& dev : devices_) {
        uint64_t last = 0;
        std::map<uint64_t, std::optional<std::string>> receipts;
        server_->store.write([&](StoreTxn& t) {
            last = t.last_applied(dev->id);
            for (uint64_t seq = 1; seq <= last; ++seq) receipts[seq] = t.receipt(dev->id, seq);
        });
        const uint64_t local_seq =
            std::stoull(dev->store.meta(ocop::meta_key::changeset_seq).value_or("0"));
        if (last != local_seq)
            violation(dev->id + " committed " + std::to_string(local_seq) +
                      " changesets; the server has outcomes through " + std::to_string(last));
        if (const size_t n = dev->store.outbox_size())
            violation(dev->id + " still has " + std::to_string(n) + " changesets in its outbox");

        std::set<uint64_t> refused_here;
        for (uint64_t seq = 1; seq <= last; ++seq) {
            const std::string name = dev->id + "/" + std::to_string(seq);
            if (!receipts[seq]) {
                violation("no receipt for applied changeset " + name);
                continue;
            }
            const sync::ChangesetResult result = sync::wire::decode_result(*receipts[seq]);
            const auto cs = seen.find({dev->id, seq});
            if (cs == seen.end()) {
                violation("the server has an outcome for " + name + ", which it never received");
                continue;
            }
            if (result.outcome == sync::Outcome::refused) {
                refused_here.insert(seq);
                refused_stamps.insert(cs->second.stamp());
                continue;
            }
            const Stamp stamp =
                result.restamped ? Stamp{*result.restamped, dev->id} : cs->second.stamp();
            own_stamp(stamp, dev->id, seq,
                      result.restamped ? "restamped by the server" : "its own stamp");
            if (result.restamped) restamped_stamps.insert(stamp);
            for (const auto& rec : cs->second.records)
                for (const auto& f : rec.fields)
                    writes[{rec.collection, rec.id, f.field}].push_back(
                        {dev->id, seq, stamp, f.value, f.base});
        }

        // ---- 3. No refused change disappeared from its device: every changeset the server
        // refused is in the device's quarantine, unchanged, unless the test discarded it.
        std::set<uint64_t> quarantined;
        for (const auto& q : dev->store.quarantined()) {
            const uint64_t seq = q.changeset.seq;
            quarantined.insert(seq);
            const std::string name = dev->id + "/" + std::to_string(seq);
            if (!refused_here.count(seq))
                violation(name + " is quarantined but the server did not refuse it");
            if (q.code != kRefusedCode) violation(name + " is quarantined with code " + q.code);
            if (const auto s = seen.find({dev->id, seq});
                s != seen.end() && codec::encode(s->second) != codec::encode(q.changeset))
                violation(name + " is quarantined with other contents than were sent");
        }
        for (uint64_t seq : refused_here)
            if (!quarantined.count(seq) && !discarded.count({dev->index, seq}))
                violation("refused changeset " + dev->id + "/" + std::to_string(seq) +
                          " disappeared from its device (not in its quarantine)");
    }

    // A refused write leaves no trace in any cell (devices restore the server's version). (A
    // refused stamp that another write shares is reported above as a shared stamp.)
    for (const auto& [key, cell] : server_cells)
        if (refused_stamps.count(cell.stamp) && !restamped_stamps.count(cell.stamp))
            violation(describe(key) + " carries the stamp of a refused changeset " +
                      describe(cell.stamp));

    // ---- 2. Every change the server acknowledged is still there: the current value, or kept in
    // the conflict record of its field, or overwritten by someone who had seen it.
    //
    // The rule mirrors ConflictRecorder::detect (sync/src/conflict_recorder.cpp). When a device's
    // field change F arrives at the server and the field already has a value C, F and C are
    // recorded together in the field's conflict record (id = ConflictRecorder::conflict_id) unless
    //   - F.base == C.stamp: F's writer had seen C (a considered overwrite), or
    //   - C was written by F's own replica (the device overwriting its own value), or
    //   - F.value == C.value (nothing to choose between).
    // The merge rule then keeps the greater stamp current. So an acknowledged field change W
    // (value v, stamp s = the server's restamp if there was one, else the changeset's) is kept iff
    //   (a) the server's current cell carries stamp s (and then value v), or
    //   (b) the field's conflict record lists an entry with stamp s and value v, or
    //   (c) a later applied write G of the same field (G.stamp > s) superseded W knowingly:
    //       G.base == s (its writer had seen W), or G is a later changeset of W's own replica, or
    //   (d) a later applied write G of the same field carries the same value v and is kept itself
    //       (equal values are not recorded as a conflict; v lives on in G).
    // Anything else was overwritten without being seen and without a record: lost. Also, the
    // current stamp is never below s (the merge rule only moves a cell forward), and every
    // current cell outside the conflict collection is one of the applied writes (no phantom
    // values).
    std::map<CellKey, std::optional<Value>> conflict_values;  // per field, lazily
    auto conflict_lists = [&](const CellKey& key, const AppliedWrite& w) {
        auto it = conflict_values.find(key);
        if (it == conflict_values.end()) {
            const std::string cid = sync::ConflictRecorder::conflict_id(
                std::get<0>(key), std::get<1>(key), std::get<2>(key));
            std::optional<Value> values;
            if (const auto c = server_cells.find({sync::conflict_collection, cid, "values"});
                c != server_cells.end())
                values = c->second.value;
            it = conflict_values.emplace(key, std::move(values)).first;
        }
        if (!it->second || !it->second->is_array()) return false;
        const Value stamp = codec::stamp_to_json(w.stamp);
        for (const auto& e : *it->second)
            if (e.is_object() && e.value("stamp", Value()) == stamp &&
                e.value("value", Value()) == w.value)
                return true;
        return false;
    };

    enum class Kept : int8_t { unknown, current, conflict, seen, same_value, lost };
    for (auto& entry : writes) {  // not a structured binding: the lambdas below capture these
        const auto& key = entry.first;
        auto& ws = entry.second;
        std::sort(ws.begin(), ws.end(),
                  [](const AppliedWrite& a, const AppliedWrite& b) { return a.stamp < b.stamp; });
        const auto cur = server_cells.find(key);
        if (cur == server_cells.end()) {
            violation("the server lost the whole cell " + describe(key) + " (" +
                      std::to_string(ws.size()) + " applied writes)");
            continue;
        }
        const CellState& current = cur->second;
        std::vector<Kept> memo(ws.size(), Kept::unknown);
        std::function<Kept(size_t)> kept = [&](size_t i) -> Kept {
            if (memo[i] != Kept::unknown) return memo[i];
            const AppliedWrite& w = ws[i];
            Kept k = Kept::lost;
            if (current.stamp == w.stamp) {
                k = current.value == w.value ? Kept::current : Kept::lost;
            } else if (conflict_lists(key, w)) {
                k = Kept::conflict;
            } else {
                for (size_t j = i + 1; j < ws.size() && k == Kept::lost; ++j) {
                    const AppliedWrite& g = ws[j];
                    if (!(w.stamp < g.stamp)) continue;
                    if ((g.base && *g.base == w.stamp) || (g.replica == w.replica && g.seq > w.seq))
                        k = Kept::seen;
                    else if (g.value == w.value && kept(j) != Kept::lost)
                        k = Kept::same_value;
                }
            }
            return memo[i] = k;
        };
        bool explained = std::get<0>(key) == sync::conflict_collection;
        for (size_t i = 0; i < ws.size(); ++i) {
            const AppliedWrite& w = ws[i];
            ++stats.checked_writes;
            if (current.stamp < w.stamp)
                violation(describe(key) + " went backwards: holds " + describe(current.stamp) +
                          " below the applied " + describe(w.stamp));
            if (current.stamp == w.stamp) explained = explained || current.value == w.value;
            const Kept k = kept(i);
            if (k == Kept::conflict) ++stats.kept_by_conflict;
            if (k == Kept::seen) ++stats.kept_by_overwrite;
            if (k != Kept::lost) continue;
            std::string history;
            for (const auto& g : ws)
                history += "\n      " + g.replica + "/" + std::to_string(g.seq) + " " +
                           describe(g.stamp) + " = " + json_text(g.value) + " base " +
                           (g.base ? describe(*g.base) : std::string("none"));
            for (auto& dev : devices_)
                if (const auto c = dev->store.read(std::get<0>(key), std::get<1>(key));
                    c && c->fields.count(std::get<2>(key)))
                    history += "\n      now on " + dev->id + ": " +
                               json_text(c->fields.at(std::get<2>(key)).value) + " at " +
                               describe(c->fields.at(std::get<2>(key)).stamp);
            // Name the pattern, for whoever debugs it.
            std::string pattern = "overwritten unseen";
            if (w.base && !(*w.base < w.stamp)) pattern = "stamped at or below its own base";
            for (const auto& g : ws) {
                if (g.replica == w.replica && g.seq < w.seq && w.stamp < g.stamp)
                    pattern += "; stamped below an earlier write of its own device";
                if (g.stamp == w.stamp && g.seq != w.seq)
                    pattern += "; shares its stamp with " + g.replica + "/" + std::to_string(g.seq);
            }
            violation("LOST (" + pattern + "): " + w.replica + "/" + std::to_string(w.seq) +
                      " wrote " + describe(key) + " = " + json_text(w.value) + " at " +
                      describe(w.stamp) + "; the server holds " + json_text(current.value) +
                      " at " + describe(current.stamp) +
                      ", no conflict record lists it and no later write had seen it. Applied "
                      "writes of this field:" +
                      history);
        }
        if (!explained)
            violation(describe(key) + " holds " + json_text(current.value) + " at " +
                      describe(current.stamp) + ", which no applied changeset wrote");
    }
    for (const auto& [key, cell] : server_cells) {
        if (std::get<0>(key) == sync::conflict_collection) {
            if (std::get<2>(key) == "values") ++stats.conflict_records;
            continue;
        }
        if (!writes.count(key))
            violation(describe(key) + " holds " + json_text(cell.value) + " at " +
                      describe(cell.stamp) + ", which no applied changeset wrote");
    }
}

// ------------------------------------------------------------------------- the random run

std::unique_ptr<World> run_random_simulation(uint64_t seed, int steps, bool trace) {
    Rng setup(seed * 0x2545f4914f6cdd1dULL + 1);
    auto drift = [&] { return setup.range(-2000, 2000); };  // ppm: seconds per day or so
    const std::vector<World::DeviceSpec> specs = {
        {"device-0", kDay, 0},   // a day ahead
        {"device-1", -kDay, 0},  // a day behind
        {"device-2", setup.range(-5 * kSecond, 5 * kSecond), drift()},
        // Drifting a few seconds; in a third of the seeds, just inside the server's 5-minute
        // tolerance instead (adopted as it is, so the server's clock follows it).
        {"device-3",
         setup.chance(1.0 / 3) ? tuning::max_clock_ahead_ms - setup.range(0, 3 * kSecond)
                               : setup.range(-5 * kSecond, 5 * kSecond),
         drift()},
    };
    auto world = std::make_unique<World>(seed, specs, trace);
    // Each seed has its own network weather, from a clean link to a storm.
    const double storm = static_cast<double>(setup.below(101)) / 100.0;
    Weather& w = world->weather;
    w.drop_request = 0.25 * storm * static_cast<double>(setup.below(101)) / 100.0;
    w.keep_dropped = 0.5;
    w.drop_answer = 0.25 * storm * static_cast<double>(setup.below(101)) / 100.0;
    w.duplicate = 0.2 * static_cast<double>(setup.below(101)) / 100.0;
    w.keep_duplicate = 0.3;
    w.busy = 0.05 * storm;
    w.deliver_stale = 0.25;
    w.slow_answer = 0.3 * storm;
    w.slow_answer_ms = setup.range(500, 6000);
    w.jump_in_exchange = 0.02;
    if (trace)
        std::printf("seed %llu: drop_request %.3f drop_answer %.3f duplicate %.3f busy %.3f\n",
                    static_cast<unsigned long long>(seed), w.drop_request, w.drop_answer,
                    w.duplicate, w.busy);

    for (int step = 0; step < steps; ++step) world->random_step();
    world->converge();
    world->check_invariants();
    return world;
}

}  // namespace ocop::sim
