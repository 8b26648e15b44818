#include "ocop/sync/sync_service.hpp"

#include <algorithm>
#include <map>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/sync/tuning.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::sync {

void SchemaGuard::check(StoreTxn& /*txn*/, const Changeset& cs, const Principal& /*who*/) {
    if (cs.schema_version > schema_.version())
        throw Error(ErrorKind::invalid_input, errc::schema_version_unsupported,
                    "changeset uses schema version " + std::to_string(cs.schema_version) +
                        "; this server knows up to " + std::to_string(schema_.version()));
    for (const auto& rec : cs.records) {
        const CollectionDef& coll = schema_.require_collection(rec.collection);
        for (const auto& f : rec.fields) schema_.validate_value(coll, f.field, f.value);
    }
}

std::string begin_new_epoch(Store& store, const std::string& replaced) {
    std::string epoch;
    store.write([&](StoreTxn& txn) {
        epoch = txn.meta(server_epoch_meta_key).value_or("");
        if (!epoch.empty() && epoch != replaced) return;
        epoch = UuidV7Generator().next(system_physical_clock()());
        txn.set_meta(server_epoch_meta_key, epoch);
    });
    return epoch;
}

SyncService::SyncService(Store& store, HlcClock& clock, ChangesetGuard& guard,
                         std::string server_id, int schema_version, LocalReplica* server_writer,
                         const ScopePolicy* scope)
    : store_(store),
      clock_(clock),
      guard_(guard),
      server_id_(std::move(server_id)),
      schema_version_(schema_version),
      scope_(scope),
      push_commits_(store) {
    if (server_writer) conflicts_.emplace(*server_writer, ReplicaOwnerLookup{}, scope_);
    epoch_ = store_.meta(server_epoch_meta_key).value_or("");
    if (epoch_.empty()) epoch_ = begin_new_epoch(store_, "");
}

std::string SyncService::epoch() {
    std::lock_guard lock(epoch_mutex_);
    return epoch_;
}

std::string SyncService::epoch_for(const SyncRequest& req) {
    std::string current = epoch();
    // A device of another epoch is about to re-send and re-pull anyway; one of this epoch whose
    // acknowledged changesets or pull cursor lie beyond what the store holds proves the store
    // was put back to an earlier state. Two cheap reads (an index maximum each) per request.
    if (req.epoch != current) return current;
    const bool lost_changesets = req.acked > 0 && req.acked > store_.last_applied(req.replica);
    const bool lost_cells = req.pull && req.pull->cursor > store_.head();
    if (!lost_changesets && !lost_cells) return current;
    const std::string next = begin_new_epoch(store_, current);
    std::lock_guard lock(epoch_mutex_);
    epoch_ = next;
    return next;
}

SyncResponse SyncService::handle(const SyncRequest& req, const Principal& who) {
    if (req.replica != who.replica)
        throw Error(ErrorKind::forbidden, errc::sync_replica_mismatch,
                    "this device enrolled as replica " + who.replica + ", not " + req.replica);
    if (req.schema_version > schema_version_)
        throw Error(ErrorKind::conflict, errc::schema_version_unsupported,
                    "the app's schema version " + std::to_string(req.schema_version) +
                        " is newer than the server's (" + std::to_string(schema_version_) +
                        "): update the server first");
    for (const auto& cs : req.changesets)
        if (cs.replica != who.replica)
            throw Error(ErrorKind::forbidden, errc::changeset_wrong_replica,
                        "changeset " + cs.replica + "/" + std::to_string(cs.seq) +
                            " was not written by this device");

    SyncResponse resp;
    resp.server_id = server_id_;
    resp.epoch = epoch_for(req);
    if (!req.changesets.empty()) {
        // The whole push is one unit: each changeset's changes, outcome and sequence number
        // commit together. A refusal is an outcome, not an abort; only a failure (of the store,
        // or a bug) undoes the push, and then the device retries it whole. Pushes of devices
        // syncing at once share one durable commit (group commit): each runs in its own
        // savepoint, so one push's failure undoes only that push, and each is answered only
        // after the commit that holds it is durable.
        push_commits_.run([&](StoreTxn& txn) {
            resp.results.clear();
            resp.expected_seq.reset();
            if (req.skip_to) skip_lost(txn, req.replica, *req.skip_to);
            // The rules, the conflict check and the merge each read every record pushed.
            std::vector<std::pair<std::string_view, std::string_view>> pushed;
            for (const auto& cs : req.changesets)
                for (const auto& rec : cs.records) pushed.emplace_back(rec.collection, rec.id);
            txn.prefetch(pushed);
            for (const auto& cs : req.changesets) {
                PushOutcome pushed = push_one(txn, cs, who);
                if (pushed.gap_expected) {  // nothing after a gap can be applied either
                    resp.expected_seq = pushed.gap_expected;
                    break;
                }
                resp.results.push_back(std::move(pushed.result));
            }
        });
    }
    if (req.pull) resp.pull = pull(*req.pull, who);
    if (req.epoch != resp.epoch) resp.last_applied = store_.last_applied(req.replica);
    if (scope_) resp.grants = who.grants;
    {
        std::lock_guard lock(clock_mutex_);
        clock_.observe(req.hlc);  // refuses by itself if the device clock is too far ahead
        resp.hlc = clock_.now();
        resp.server_time_ms = clock_.physical_ms();
    }
    return resp;
}

// Applies one changeset exactly once, inside the push's transaction: its changes, its outcome and
// the device's new sequence number commit together. A refusal stores nothing but the outcome.
SyncService::PushOutcome SyncService::push_one(StoreTxn& txn, const Changeset& cs,
                                               const Principal& who) {
    PushOutcome outcome;
    const uint64_t last = txn.last_applied(cs.replica);
    if (cs.seq <= last) {
        const auto receipt = txn.receipt(cs.replica, cs.seq);
        if (!receipt)
            throw Error(ErrorKind::internal, errc::store_corrupt,
                        "no receipt stored for applied changeset " + cs.replica + "/" +
                            std::to_string(cs.seq));
        outcome.result = wire::decode_result(*receipt);
        outcome.result.duplicate = true;
        return outcome;
    }
    if (cs.seq != last + 1) {
        outcome.gap_expected = last + 1;
        return outcome;
    }

    ChangesetResult& result = outcome.result;
    result.seq = cs.seq;
    // Order by stamps only within the tolerance: a stamp too far ahead of the server's clock is
    // replaced by a server timestamp, so the edit is kept but cannot win every later conflict.
    // The device is told and rewrites its own stamp.
    //
    // Two more cases are re-stamped so that no write is lost to stamp order: a changeset stamped
    // at or below a base it overwrites (its device's clock lagged the writer of that base), and
    // one stamped at or below a stamp the server already gave this device (a re-stamp shares the
    // device's replica id, so equal clocks would make two writes one).
    //
    // Every stamp the changeset carries is held to the tolerance, bases included: a base beyond
    // it is no stamp the server ever issued (the server's clock never runs further ahead), so it
    // stands for this device's own write as it was before the server re-stamped it, which the
    // floor below already covers. Such a base moves no clock; otherwise one crafted base could
    // push the province's clock to the end of its range and stop every device.
    Changeset effective = cs;
    const std::string floor_key = "restamp_floor/" + cs.replica;
    const Hlc stored_floor = Hlc::unpack(stored_u64(txn.meta(floor_key), floor_key));
    {
        std::lock_guard lock(clock_mutex_);
        Hlc newest_base;
        for (const auto& rec : cs.records)
            for (const auto& f : rec.fields)
                if (f.base && !clock_.too_far_ahead(f.base->hlc))
                    newest_base = std::max(newest_base, f.base->hlc);
        // A floor beyond the tolerance was written before bases were held to it: ignored.
        const Hlc floor = clock_.too_far_ahead(stored_floor) ? Hlc{} : stored_floor;
        if (clock_.too_far_ahead(cs.hlc) || cs.hlc <= newest_base || cs.hlc <= floor) {
            clock_.advance_past(std::max(newest_base, floor));
            effective.hlc = clock_.now();
            result.restamped = effective.hlc;
        } else {
            clock_.observe(cs.hlc);
        }
        // Kept with the push, so a server killed before a clean stop never reissues a stamp.
        txn.set_meta(server_hlc_meta_key, std::to_string(clock_.last().packed()));
    }
    try {
        guard_.check(txn, effective, who);
    } catch (const Error& e) {
        // A broken store is not the device's fault: abort the push so it is retried.
        if (e.kind() == ErrorKind::internal || e.kind() == ErrorKind::transient) throw;
        result.outcome = Outcome::refused;
        result.code = e.code();
        result.message = e.what();
        result.restamped.reset();
        // The device undoes the refused write with the server's version of each field; of a
        // record its user may not see, it learns nothing but "no such value" (so it drops its
        // own copy of the refused write).
        std::unique_ptr<RecordScope> visibility;
        if (scope_)
            visibility = scope_->scope(
                [&txn](std::string_view c, std::string_view id) { return txn.read(c, id); },
                who.grants);
        for (const auto& rec : cs.records) {
            const bool may_see = !visibility || visibility->visible(rec.collection, rec.id);
            for (const auto& f : rec.fields)
                result.server_values.push_back(
                    {rec.collection, rec.id, f.field,
                     may_see ? txn.cell(rec.collection, rec.id, f.field) : std::nullopt});
        }
        txn.record_applied(cs.replica, cs.seq, wire::encode(result));
        return outcome;
    }
    std::vector<ConcurrentWrite> concurrent;
    if (conflicts_) concurrent = conflicts_->detect(txn, effective);
    if (result.restamped) txn.set_meta(floor_key, std::to_string(result.restamped->packed()));
    const ApplyResult applied = apply_changeset(txn, effective);
    if (conflicts_) result.conflicts_opened = conflicts_->record(txn, concurrent, effective, who);
    result.applied = applied.applied;
    result.superseded = applied.superseded;
    txn.record_applied(cs.replica, cs.seq, wire::encode(result));
    return outcome;
}

// A device whose retained changesets do not reach back to what a restored server holds: the
// numbers before `skip_to` are lost for good (docs/guarantees.md). One receipt for the number
// just before makes `skip_to` the next one expected; nothing else changes.
void SyncService::skip_lost(StoreTxn& txn, const std::string& replica, uint64_t skip_to) {
    if (skip_to <= txn.last_applied(replica) + 1) return;
    ChangesetResult lost;
    lost.seq = skip_to - 1;
    lost.outcome = Outcome::refused;
    lost.code = errc::sync_lost_in_restore;
    lost.message = "changesets before " + std::to_string(skip_to) +
                   " were lost when the server was restored from an older backup";
    txn.record_applied(replica, lost.seq, wire::encode(lost));
}

namespace {

// What a cell weighs against a page's byte budget: the same measure as the store's
// (Store::changes_since), the value's JSON text and the names that locate it, so a page read
// through several store calls is sized as one read would be.
size_t page_weight(const Cell& c) {
    const size_t value = c.current.value.is_string()
                             ? c.current.value.get_ref<const std::string&>().size() + 2
                             : c.current.value.dump().size();
    return value + c.collection.size() + c.record_id.size() + c.field.size();
}

}  // namespace

PullPage SyncService::pull(const PullRequest& req, const Principal& who) {
    // The page is sized in bytes: a device asks for a byte budget and the server fills it. The
    // cell count only caps the per-cell overhead of a page of tiny values (docs/sync-protocol.md,
    // "Pull").
    const size_t cells = std::clamp<size_t>(
        req.max_cells ? req.max_cells : tuning::default_page_cells, 1, tuning::max_page_cells);
    const size_t bytes =
        std::clamp<size_t>(req.max_bytes ? req.max_bytes : tuning::default_page_bytes,
                           tuning::min_page_bytes, tuning::max_page_bytes);
    PullPage page;
    page.head = store_.head();
    if (req.cursor > page.head) {
        // The server holds less than this device pulled (restored from a backup): never "at
        // the head". Start again from 0; merging is idempotent, so nothing is duplicated.
        page.cursor = 0;
        page.more = true;
        return page;
    }
    // No echo: a cell whose current stamp is this device's own is one it wrote and holds, so
    // it is not sent back; the cursor still moves past it. Not a cell the server re-stamped:
    // the device may not hold the write under that stamp (it had moved the cell on locally, to
    // a value pulled meanwhile, when the re-stamp came), so every own cell at or below the last
    // stamp the server gave this device (its re-stamp floor, see push_one) still comes back.
    // A device's writes after a re-stamp are stamped above it, so that costs one pass at most.
    // Only when the device asks (echo:false, which it does not after evicting records) and
    // never in a backfill, which brings a unit's records whole. Cells the server wrote
    // (conflict records, resolutions made on the server) carry its replica id: they come back.
    const bool skip_own = !req.echo && !req.only_units;
    Hlc restamp_floor;
    if (skip_own) {
        const std::string floor_key = "restamp_floor/" + who.replica;
        restamp_floor = Hlc::unpack(stored_u64(store_.meta(floor_key), floor_key));
    }
    // Without a scope policy every device pulls everything, a backfill's units included.
    const bool filter_units = scope_ != nullptr;
    if (!filter_units && !skip_own) {
        ChangePage changes = store_.changes_since(req.cursor, cells, bytes);
        page.cursor = changes.cursor;
        page.more = changes.more;
        page.head = std::max(page.head, page.cursor);
        page.cells = std::move(changes.cells);
        return page;
    }
    // Read the change log in order and keep the cells this device gets: of records the user
    // covers (scoped), not its own (no echo). The cursor moves past what was skipped, so nothing
    // is read twice and nothing of another unit ever leaves the server.
    std::unique_ptr<RecordScope> visibility;
    if (filter_units)
        visibility = scope_->scope(
            [this](std::string_view c, std::string_view id) { return store_.read(c, id); },
            who.grants, req.only_units);
    // The same filters for the store to apply while it reads (a pre-filter; `keep` below still
    // decides): a commune's device does not make the server decode the province's changes.
    // Made after page.head was read, so it knows every unit the rows up to that head name.
    std::optional<ChangeSelector> selector;
    if (filter_units) selector = scope_->selector(store_, who.grants, req.only_units);
    if (selector && skip_own) {
        selector->skip_replica = who.replica;
        selector->skip_above = restamp_floor;
    }
    page.cursor = req.cursor;
    size_t kept_bytes = 0;
    size_t scanned = 0;
    const size_t scan_budget = std::max(
        cells, std::min(cells * tuning::max_scan_pages_per_pull, tuning::max_scan_cells_per_pull));
    bool more = true;
    while (more && page.cells.size() < cells && kept_bytes < bytes && scanned < scan_budget) {
        const size_t want = std::min(cells - page.cells.size(), scan_budget - scanned);
        if (selector) selector->max_scanned = scan_budget - scanned;
        ChangePage changes = selector ? store_.selected_changes_since(page.cursor, page.head, want,
                                                                      bytes - kept_bytes, *selector)
                                      : store_.changes_since(page.cursor, want, bytes - kept_bytes);
        scanned += std::max(changes.scanned, changes.cells.size());
        std::vector<bool> keep(changes.cells.size(), true);
        if (skip_own)
            for (size_t i = 0; i < changes.cells.size(); ++i)
                keep[i] = changes.cells[i].current.stamp.replica != who.replica ||
                          changes.cells[i].current.stamp.hlc <= restamp_floor;
        if (visibility) {
            // Decided for the whole batch before any cell is moved out of it.
            visibility->filter(changes.cells, keep);
        }
        // Cells are consumed in sequence order; one that would overflow the page (a later
        // read after skipped cells is offered at least one cell) stops it before that cell.
        bool full = false;
        for (size_t i = 0; i < changes.cells.size(); ++i) {
            Cell& c = changes.cells[i];
            if (keep[i]) {
                const size_t weight = page_weight(c);
                if (!page.cells.empty() && kept_bytes + weight > bytes) {
                    full = true;
                    break;
                }
                kept_bytes += weight;
                page.cursor = c.current.seq;
                page.cells.push_back(std::move(c));
            } else {
                page.cursor = c.current.seq;
            }
        }
        more = full || changes.more;
        if (full) break;
        page.cursor = changes.cursor;
    }
    page.more = more;
    page.head = std::max(page.head, page.cursor);
    return page;
}

}  // namespace ocop::sync
