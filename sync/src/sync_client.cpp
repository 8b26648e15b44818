#include "ocop/sync/sync_client.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <exception>
#include <future>
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

// A number the client stored in the device's meta table (0 when absent).
uint64_t meta_number(Store& store, const char* key) {
    const auto text = store.meta(key);
    if (!text || text->empty()) return 0;
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || end != text->data() + text->size())
        throw Error(ErrorKind::internal, errc::store_corrupt,
                    std::string("device meta ") + key + " is not a number: '" + *text + "'");
    return n;
}

}  // namespace

struct SyncClient::Exchange {
    bool more_to_pull = false;
    size_t pending_after = 0;
    bool server_changed = false;
    bool epoch_changed = false;
};

// A request and what the device knew when it built it.
struct SyncClient::Prepared {
    SyncRequest req;
    std::optional<std::string> known_server;
    std::optional<std::string> known_epoch;
    std::optional<Backfill> backfill;
    uint64_t main_cursor = 0;
    bool repull_pending = false;
    bool echo_pending = false;
};

// An answer as it arrived: its HTTP status and sizes, decoded (the body is let go once
// decoded, so a page waiting to be applied holds only its cells).
struct SyncClient::Received {
    HttpReply reply;
    std::optional<SyncResponse> resp;
    std::exception_ptr decode_error;
    int64_t sent_ms = 0;
    int64_t received_ms = 0;
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

SyncClient::Prepared SyncClient::prepare() {
    Store& store = replica_.store();
    Prepared p;
    SyncRequest& req = p.req;
    req.replica = replica_.id();
    req.schema_version = replica_.schema().version();
    req.app_version = options_.app_version;

    size_t bytes = 0;
    for (auto& cs : store.outbox(options_.max_changesets_per_request)) {
        bytes += codec::encode(cs).size();
        if (!req.changesets.empty() && bytes > options_.max_push_bytes_per_request) break;
        req.changesets.push_back(std::move(cs));
    }
    p.known_server = store.meta(meta_key::server_id);
    DeviceScope scope(store);
    // A unit the user gained is pulled first (its older records), then the main pull goes on.
    p.backfill = options_.pull ? scope.backfill() : std::nullopt;
    p.main_cursor = meta_number(store, meta_key::pull_cursor);
    p.echo_pending = store.meta(meta_key::echo).value_or("") == "1";
    PullRequest pull;
    pull.cursor = p.backfill ? p.backfill->cursor : p.main_cursor;
    if (p.backfill) pull.only_units = p.backfill->units;
    pull.max_cells = options_.page_cells;
    pull.max_bytes = options_.page_bytes;
    // This device's own cells stay on the server (it holds them), unless it evicted some.
    pull.echo = p.echo_pending;
    if (options_.pull) req.pull = pull;
    req.hlc = replica_.clock().last();
    p.known_epoch = store.meta(meta_key::epoch);
    req.epoch = p.known_epoch.value_or("");
    req.acked = meta_number(store, meta_key::acked);
    if (const uint64_t skip = meta_number(store, meta_key::skip_to)) req.skip_to = skip;
    p.repull_pending = store.meta(meta_key::repull).value_or("") == "1";
    return p;
}

SyncClient::Received SyncClient::fetch(const std::string& body, const std::string& token) {
    Received got;
    got.sent_ms = raw_clock_();
    got.reply = transport_.post("/v1/sync", body, token);
    got.received_ms = raw_clock_();
    if (got.reply.status == 200) {
        try {
            got.resp = wire::decode_response(got.reply.body);
        } catch (const std::exception& e) {
            got.decode_error = std::make_exception_ptr(
                Error(ErrorKind::internal, errc::sync_server_error,
                      std::string("server answer not understood: ") + e.what()));
        }
        got.reply.body = std::string();
    }
    return got;
}

std::optional<SyncClient::Prepared> SyncClient::continuation(const Prepared& sent,
                                                             const Received& got) {
    if (!options_.pull || !got.resp || sent.backfill || !sent.req.changesets.empty() ||
        !sent.known_server)
        return std::nullopt;
    const SyncResponse& resp = *got.resp;
    // Anything but a page with more to come changes what the next request would be.
    if (!resp.pull || !resp.pull->more || !resp.results.empty() || resp.expected_seq ||
        resp.last_applied || resp.new_token || resp.server_id != *sent.known_server ||
        (!resp.epoch.empty() && resp.epoch != sent.req.epoch))
        return std::nullopt;
    Store& store = replica_.store();
    if (resp.grants) {
        const auto known = DeviceScope(store).grants();
        if (!known || *known != *resp.grants) return std::nullopt;
    }
    if (store.outbox_size() != 0) return std::nullopt;  // a local write: push it first
    Prepared next = sent;
    next.req.pull->cursor = resp.pull->cursor;
    next.main_cursor = resp.pull->cursor;
    next.req.hlc = replica_.clock().last();
    return next;
}

bool SyncClient::still_next(const Prepared& next) {
    Store& store = replica_.store();
    return meta_number(store, meta_key::pull_cursor) == next.main_cursor &&
           !DeviceScope(store).backfill() &&
           (store.meta(meta_key::echo).value_or("") == "1") == next.echo_pending &&
           store.meta(meta_key::server_id) == next.known_server;
}

void SyncClient::discard(Received got, SyncProgress& progress) {
    ++progress.requests;
    progress.bytes_sent += got.reply.wire_bytes_sent;
    progress.bytes_received += got.reply.wire_bytes_received;
    if (got.resp && got.resp->new_token && !got.resp->new_token->empty()) {
        // The server may already have rotated the token: the old one works only a while.
        token_ = *got.resp->new_token;
        if (options_.on_new_token) options_.on_new_token(token_);
    }
}

SyncClient::Exchange SyncClient::finish(const Prepared& prep, Received& got, SyncProgress& progress,
                                        std::vector<Refusal>& refusals) {
    Store& store = replica_.store();
    const SyncRequest& req = prep.req;
    const auto& known_server = prep.known_server;
    const auto& known_epoch = prep.known_epoch;
    const auto& backfill = prep.backfill;
    const uint64_t main_cursor = prep.main_cursor;
    const bool repull_pending = prep.repull_pending;
    DeviceScope scope(store, options_.scope);

    ++progress.requests;
    progress.bytes_sent += got.reply.wire_bytes_sent;
    progress.bytes_received += got.reply.wire_bytes_received;
    if (got.reply.status != 200) throw_http_error(got.reply);
    if (got.decode_error) std::rethrow_exception(got.decode_error);
    SyncResponse& resp = *got.resp;
    if (resp.new_token && !resp.new_token->empty()) {
        // The old token works only for a grace period now: keep the new one before anything
        // else, so that a crash below cannot lose it.
        token_ = *resp.new_token;
        if (options_.on_new_token) options_.on_new_token(token_);
    }
    if (offset_) {
        offset_->learn(resp.server_time_ms, got.sent_ms, got.received_ms);
    }
    replica_.observe(resp.hlc);

    Exchange ex;
    ex.server_changed = known_server && *known_server != resp.server_id;
    // The same server database, put back to an earlier state (restored from a backup): it may
    // lack changesets it acknowledged and cells this device pulled.
    ex.epoch_changed = known_server && !ex.server_changed && !resp.epoch.empty() &&
                       known_epoch.value_or("") != resp.epoch;
    if (ex.epoch_changed && !resp.last_applied)
        throw Error(ErrorKind::internal, errc::sync_server_error,
                    "the server's epoch changed but its answer lacks last_applied");

    std::map<uint64_t, const Changeset*> sent;
    for (const auto& cs : req.changesets) sent.emplace(cs.seq, &cs);
    if (resp.expected_seq && !ex.epoch_changed &&
        (req.changesets.empty() || *resp.expected_seq < req.changesets.front().seq))
        throw Error(ErrorKind::conflict, errc::changeset_gap,
                    "the server expects changeset " + std::to_string(*resp.expected_seq) +
                        " of this device, which it no longer holds: the server may have been "
                        "restored from a backup; ask an administrator");

    const int64_t now_ms = replica_.clock().physical_ms();
    const size_t outbox_before = ex.epoch_changed ? store.outbox_size() : 0;
    std::vector<Changeset> restamped;  // as the server stored them
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
                restamped.push_back(cs);
                restamped.back().hlc = *r.restamped;
            }
        }
        if (acked_through) {
            // Acknowledged changesets are retained as the server stored them, for a window, in
            // case the server is restored from a backup taken before it stored them.
            txn.outbox_ack_through(acked_through, now_ms);
            for (const auto& cs : restamped) txn.retained_put(cs, now_ms);
            txn.retained_prune(now_ms - options_.acked_retention.count());
            if (!ex.epoch_changed && acked_through > req.acked)
                txn.set_meta(meta_key::acked, std::to_string(acked_through));
            if (req.skip_to && acked_through >= *req.skip_to) txn.set_meta(meta_key::skip_to, "");
        }

        if (ex.epoch_changed) {
            // Send again, with their own numbers, the retained changesets the server lacks,
            // before the pending ones; pull everything again from 0 (merging is idempotent, so
            // nothing is duplicated). The quarantine and every cell stay as they are.
            const uint64_t server_has = *resp.last_applied;
            const uint64_t first = txn.outbox_requeue_retained_after(server_has);
            // Retained changesets that no longer reach back to what the server holds: the
            // numbers in between are lost for good (older than the retention window).
            uint64_t skip = first > server_has + 1 ? first : 0;
            if (first == 0 && req.acked > server_has) skip = req.acked + 1;
            txn.set_meta(meta_key::skip_to, skip ? std::to_string(skip) : std::string());
            txn.set_meta(meta_key::acked, std::to_string(server_has));
            txn.set_meta(meta_key::pull_cursor, "0");
            txn.set_meta(meta_key::backfill, "");
            txn.set_meta(meta_key::repull, "1");
            ex.more_to_pull = true;
        } else if (ex.server_changed) {
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
                if (repull_pending && !resp.pull->more) txn.set_meta(meta_key::repull, "");
                // Past everything it could have evicted: its own cells may stay away again.
                if (prep.echo_pending && req.pull->echo && !resp.pull->more)
                    txn.set_meta(meta_key::echo, "");
            }
        }
        txn.set_meta(meta_key::server_id, resp.server_id);
        if (!resp.epoch.empty() && resp.epoch != req.epoch)
            txn.set_meta(meta_key::epoch, resp.epoch);
        txn.set_meta(ocop::meta_key::hlc_last, std::to_string(replica_.clock().last().packed()));
        if (offset_) txn.set_meta(meta_key::clock_offset, std::to_string(offset_->get()));
    });
    if (resp.grants && !ex.server_changed) {
        // This answer's page was already read under these grants: what a gained unit lacks is
        // what came before the main cursor as it was when this request was sent. After an epoch
        // change the main pull starts from 0 and brings every unit: no backfill.
        //
        // Evicted records may hold this device's own cells, which a later page would leave out
        // (no echo) if the unit came back: until the main pull reaches the head it asks for
        // them too. Set before the grants are adopted (a crash in between keeps it), and after
        // an eviction under the first grants known.
        const auto before = scope.grants();
        const bool grants_changed = before && *before != *resp.grants;
        auto ask_echo = [&] {
            store.write([&](StoreTxn& txn) { txn.set_meta(meta_key::echo, "1"); });
        };
        if (grants_changed) ask_echo();
        const size_t evicted = scope.adopt(*resp.grants, ex.epoch_changed ? 0 : main_cursor);
        progress.evicted += evicted;
        if (evicted > 0 && !grants_changed) ask_echo();
        if (options_.pull && scope.backfill()) ex.more_to_pull = true;
    }
    ex.pending_after = store.outbox_size();
    progress.pending = ex.pending_after;
    if (ex.epoch_changed) {
        const size_t kept = outbox_before - std::min(outbox_before, resp.results.size());
        progress.resent += ex.pending_after - std::min(ex.pending_after, kept);
    }

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
    // The streak of attempts that found nothing answering, and when its first attempt began.
    int no_connection_failures = 0;
    std::chrono::steady_clock::time_point no_connection_since;
    std::chrono::steady_clock::time_point attempt_started;
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
            attempt_started = std::chrono::steady_clock::now();
            size_t pending_before = replica_.store().outbox_size();
            Prepared sent = prepare();
            Received got = fetch(wire::encode(sent.req), token_);
            // Pages of one pull overlap: while page n is applied and checkpointed here, page
            // n+1 is requested and decoded on a second thread (at most one page ahead, so at
            // most two pages are in memory). A page is checkpointed only once applied; one
            // fetched ahead and not applied (an error, a cancel, a changed state) is dropped,
            // and the next run asks for it again from the checkpoint.
            while (true) {
                std::optional<Prepared> next;
                if (transport_.overlaps_apply()) next = continuation(sent, got);
                std::future<Received> ahead;
                if (next)
                    ahead = std::async(std::launch::async,
                                       [this, body = wire::encode(next->req), token = token_] {
                                           return fetch(body, token);
                                       });
                auto drop_ahead = [&] {
                    if (!ahead.valid()) return;
                    try {
                        discard(ahead.get(), report.progress);
                    } catch (...) {
                        // Its failure does not matter: its page was not going to be applied.
                    }
                };
                try {
                    const Exchange ex = finish(sent, got, report.progress, report.refusals);
                    failures = 0;
                    no_connection_failures = 0;
                    backoff = options_.initial_backoff;
                    if (on_progress) on_progress(report.progress);
                    if (ex.pending_after == 0 && !ex.more_to_pull && !ex.server_changed &&
                        !ex.epoch_changed) {
                        drop_ahead();
                        report.complete = true;
                        replica_.store().write([&](StoreTxn& t) {
                            t.set_meta(meta_key::last_complete_sync, std::to_string(raw_clock_()));
                            t.set_meta(meta_key::last_error, "");
                        });
                        return report;
                    }
                    if (ex.pending_after >= pending_before && pending_before > 0 &&
                        !ex.more_to_pull && !ex.server_changed) {
                        drop_ahead();
                        return fail(errc::sync_server_error,
                                    "the server acknowledged none of the pending changesets",
                                    false);
                    }
                    if (!next || !ex.more_to_pull || ex.server_changed || ex.epoch_changed ||
                        !still_next(*next)) {
                        drop_ahead();
                        break;
                    }
                    if (cancel && cancel->load()) {
                        drop_ahead();
                        return fail(errc::sync_cancelled, "sync cancelled", false);
                    }
                } catch (...) {
                    drop_ahead();
                    throw;
                }
                got = Received{};  // page n's cells go before page n+1 is waited for
                attempt_started = std::chrono::steady_clock::now();
                pending_before = 0;
                got = ahead.get();  // a failure here is that request's: retried from the checkpoint
                sent = std::move(*next);
            }
        } catch (const Error& e) {
            ++report.progress.failed_attempts;
            if (!e.may_be_transient() || ++failures >= options_.max_attempts)
                return fail(e.code(), e.what(), e.may_be_transient());
            std::uniform_int_distribution<int64_t> jitter(0, backoff.count() / 2);
            const auto pause = backoff + std::chrono::milliseconds(jitter(jitter_rng));
            if (e.code() == errc::sync_no_connection) {
                // Offline or a wrong URL: say so within seconds rather than after the full
                // backoff; one quick retry still covers a server that is just restarting.
                if (no_connection_failures++ == 0) no_connection_since = attempt_started;
                const auto spent = std::chrono::steady_clock::now() - no_connection_since;
                if (no_connection_failures >= options_.max_no_connection_attempts ||
                    spent + pause + tuning::connect_timeout > options_.no_connection_budget)
                    return fail(e.code(), e.what(), true);
            } else {
                no_connection_failures = 0;
            }
            options_.sleep(pause);
            backoff = std::min(backoff * 2, options_.max_backoff);
        }
    }
}

}  // namespace ocop::sync
