#include "ocop/sync/sync_client.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "ocop/core/changeset_codec.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/sync/device_scope.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::sync {

namespace {

// An HTTP error answer as an Error with the server's code; the status says whether a retry helps.
[[noreturn]] void throw_http_error(const HttpReply& reply) {
    std::string code = errc::sync_server_error;
    std::string message = "server answered HTTP " + std::to_string(reply.status);
    try {
        const auto doc = nlohmann::json::parse(reply.body);
        code = doc.at("error").at("code").get<std::string>();
        message = doc.at("error").at("message").get<std::string>();
    } catch (const std::exception&) {
        // Not our JSON error body (a proxy's page): keep the generic code.
    }
    ErrorKind kind = ErrorKind::internal;
    switch (reply.status) {
        case 400:
            kind = ErrorKind::invalid_input;
            break;
        case 401:
            kind = ErrorKind::unauthorized;
            break;
        case 403:
            kind = ErrorKind::forbidden;
            break;
        case 404:
            kind = ErrorKind::not_found;
            break;
        case 409:
            kind = ErrorKind::conflict;
            break;
        case 413:
            kind = ErrorKind::too_large;
            break;
        case 429:
        case 502:
        case 503:
        case 504:
            kind = ErrorKind::transient;
            break;
        default:
            break;
    }
    throw Error(kind, code, message);
}

}  // namespace

struct SyncClient::Exchange {
    bool more_to_pull = false;
    size_t pending_after = 0;
    bool server_changed = false;
};

SyncClient::SyncClient(LocalReplica& replica, Transport& transport, std::string token,
                       SyncOptions options, ClockOffset* offset, PhysicalClock raw_clock)
    : replica_(replica),
      transport_(transport),
      token_(std::move(token)),
      options_(std::move(options)),
      offset_(offset),
      raw_clock_(std::move(raw_clock)) {
    if (!options_.sleep)
        options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

SyncClient::Exchange SyncClient::exchange(SyncProgress& progress, std::vector<Refusal>& refusals) {
    Store& store = replica_.store();
    SyncRequest req;
    req.replica = replica_.id();
    req.schema_version = replica_.schema().version();
    req.app_version = options_.app_version;

    size_t bytes = 0;
    for (auto& cs : store.outbox(options_.max_changesets_per_request)) {
        bytes += codec::encode(cs).size();
        if (!req.changesets.empty() && bytes > options_.max_push_bytes_per_request) break;
        req.changesets.push_back(std::move(cs));
    }
    const auto known_server = store.meta(meta_key::server_id);
    DeviceScope scope(store);
    // A unit the user gained is pulled first (its older records), then the main pull goes on.
    const std::optional<Backfill> backfill = options_.pull ? scope.backfill() : std::nullopt;
    const uint64_t main_cursor = std::stoull(store.meta(meta_key::pull_cursor).value_or("0"));
    PullRequest pull;
    pull.cursor = backfill ? backfill->cursor : main_cursor;
    if (backfill) pull.only_units = backfill->units;
    pull.max_cells = options_.page_cells;
    pull.max_bytes = options_.page_bytes;
    if (options_.pull) req.pull = pull;
    req.hlc = replica_.clock().last();

    const int64_t sent_ms = raw_clock_();
    const HttpReply reply = transport_.post("/v1/sync", wire::encode(req), token_);
    const int64_t received_ms = raw_clock_();
    ++progress.requests;
    progress.bytes_sent += reply.wire_bytes_sent;
    progress.bytes_received += reply.wire_bytes_received;
    if (reply.status != 200) throw_http_error(reply);
    SyncResponse resp;
    try {
        resp = wire::decode_response(reply.body);
    } catch (const std::exception& e) {
        throw Error(ErrorKind::internal, errc::sync_server_error,
                    std::string("server answer not understood: ") + e.what());
    }
    if (resp.new_token && !resp.new_token->empty()) {
        // The old token works only for a grace period now: keep the new one before anything
        // else, so that a crash below cannot lose it.
        token_ = *resp.new_token;
        if (options_.on_new_token) options_.on_new_token(token_);
    }
    if (offset_) {
        offset_->learn(resp.server_time_ms, sent_ms, received_ms);
    }
    replica_.observe(resp.hlc);

    std::map<uint64_t, const Changeset*> sent;
    for (const auto& cs : req.changesets) sent.emplace(cs.seq, &cs);
    if (resp.expected_seq &&
        (req.changesets.empty() || *resp.expected_seq < req.changesets.front().seq))
        throw Error(ErrorKind::conflict, errc::changeset_gap,
                    "the server expects changeset " + std::to_string(*resp.expected_seq) +
                        " of this device, which it no longer holds: the server may have been "
                        "restored from a backup; ask an administrator");

    Exchange ex;
    ex.server_changed = known_server && *known_server != resp.server_id;
    store.write([&](StoreTxn& txn) {
        uint64_t acked_through = 0;
        for (const auto& r : resp.results) {
            const auto it = sent.find(r.seq);
            if (it == sent.end())
                throw Error(ErrorKind::internal, errc::sync_server_error,
                            "server answered for changeset " + std::to_string(r.seq) +
                                ", which was not sent");
            const Changeset& cs = *it->second;
            acked_through = std::max(acked_through, r.seq);
            if (r.outcome == Outcome::refused) {
                txn.quarantine_put(cs, r.code, r.message);
                // Nothing refused stays visible as if it were accepted: put back the server's
                // version of each field this changeset wrote (unless a later local write
                // superseded it, which keeps its own place in the outbox).
                for (const auto& sc : r.server_values)
                    txn.restore_cell(sc.collection, sc.record_id, sc.field, cs.stamp(), sc.current);
                refusals.push_back(Refusal{r.seq, r.code, r.message});
                ++progress.refused;
                continue;
            }
            ++progress.pushed;
            if (r.restamped) {
                // The server's stamp is now one of ours: never issue it, or anything below, again.
                replica_.clock().advance_past(*r.restamped);
                const Stamp to{*r.restamped, cs.replica};
                for (const auto& rec : cs.records)
                    for (const auto& f : rec.fields)
                        txn.restamp(rec.collection, rec.id, f.field, cs.stamp(), to);
            }
        }
        if (acked_through) txn.outbox_remove_through(acked_through);

        if (ex.server_changed) {
            // A different server database: everything must be pulled again from the start.
            txn.set_meta(meta_key::pull_cursor, "0");
            DeviceScope::reset(txn);
        } else if (resp.pull) {
            // Consecutive cells of one record written by one write merge with one lookup.
            const auto& cells = resp.pull->cells;
            for (size_t i = 0; i < cells.size();) {
                size_t j = i;
                std::vector<FieldChange> fields;
                while (j < cells.size() && cells[j].record_id == cells[i].record_id &&
                       cells[j].collection == cells[i].collection &&
                       cells[j].current.stamp == cells[i].current.stamp) {
                    fields.push_back({cells[j].field, cells[j].current.value, std::nullopt});
                    ++j;
                }
                txn.merge_record(cells[i].collection, cells[i].record_id, fields,
                                 cells[i].current.stamp);
                i = j;
            }
            progress.pulled_cells += resp.pull->cells.size();
            progress.server_head = resp.pull->head;
            if (backfill) {
                DeviceScope::advance_backfill(txn, *backfill, resp.pull->cursor, resp.pull->more);
                ex.more_to_pull = true;  // the main pull comes next, at least once
            } else {
                txn.set_meta(meta_key::pull_cursor, std::to_string(resp.pull->cursor));
                progress.cursor = resp.pull->cursor;
                ex.more_to_pull = resp.pull->more;
            }
        }
        txn.set_meta(meta_key::server_id, resp.server_id);
        txn.set_meta(ocop::meta_key::hlc_last, std::to_string(replica_.clock().last().packed()));
        if (offset_) txn.set_meta(meta_key::clock_offset, std::to_string(offset_->get()));
    });
    if (resp.grants && !ex.server_changed) {
        // This answer's page was already read under these grants: what a gained unit lacks is
        // what came before the main cursor as it was when this request was sent.
        progress.evicted += scope.adopt(*resp.grants, main_cursor);
        if (options_.pull && scope.backfill()) ex.more_to_pull = true;
    }
    ex.pending_after = store.outbox_size();
    progress.pending = ex.pending_after;

    // A clock that ran ahead (the device's wall clock was wrong before the offset was learnt)
    // would keep stamping the future. Once nothing stamped by it waits to be sent, every cell
    // this device holds carries a stamp the server accepted (re-stamped if it was too far
    // ahead), all at or below the server's clock: continue from the server's clock.
    HlcClock& clock = replica_.clock();
    if (ex.pending_after == 0 &&
        clock.last().wall_ms > clock.physical_ms() + clock.max_ahead_ms()) {
        clock.rebase(std::max(resp.hlc, Hlc{clock.physical_ms(), 0}));
        store.write([&](StoreTxn& t) {
            t.set_meta(ocop::meta_key::hlc_last, std::to_string(clock.last().packed()));
        });
    }
    return ex;
}

SyncReport SyncClient::run(const std::function<void(const SyncProgress&)>& on_progress,
                           const std::atomic<bool>* cancel) {
    SyncReport report;
    std::mt19937 jitter_rng(std::random_device{}());
    std::chrono::milliseconds backoff = options_.initial_backoff;
    int failures = 0;
    auto fail = [&](const std::string& code, const std::string& message, bool transient) {
        report.error_code = code;
        report.error_message = message;
        report.error_transient = transient;
        report.progress.pending = replica_.store().outbox_size();
        replica_.store().write(
            [&](StoreTxn& t) { t.set_meta(meta_key::last_error, code + ": " + message); });
        return report;
    };
    while (true) {
        if (cancel && cancel->load()) return fail(errc::sync_cancelled, "sync cancelled", false);
        try {
            const size_t pending_before = replica_.store().outbox_size();
            const Exchange ex = exchange(report.progress, report.refusals);
            failures = 0;
            backoff = options_.initial_backoff;
            if (on_progress) on_progress(report.progress);
            if (ex.pending_after == 0 && !ex.more_to_pull && !ex.server_changed) {
                report.complete = true;
                replica_.store().write([&](StoreTxn& t) {
                    t.set_meta(meta_key::last_complete_sync, std::to_string(raw_clock_()));
                    t.set_meta(meta_key::last_error, "");
                });
                return report;
            }
            if (ex.pending_after >= pending_before && pending_before > 0 && !ex.more_to_pull &&
                !ex.server_changed)
                return fail(errc::sync_server_error,
                            "the server acknowledged none of the pending changesets", false);
        } catch (const Error& e) {
            ++report.progress.failed_attempts;
            if (!e.may_be_transient() || ++failures >= options_.max_attempts)
                return fail(e.code(), e.what(), e.may_be_transient());
            std::uniform_int_distribution<int64_t> jitter(0, backoff.count() / 2);
            options_.sleep(backoff + std::chrono::milliseconds(jitter(jitter_rng)));
            backoff = std::min(backoff * 2, options_.max_backoff);
        }
    }
}

}  // namespace ocop::sync
