// The storage interface shared by devices and the server. SQLite implements all of it
// (sqlite_store.hpp); a PostgreSQL implementation for provinces will implement the same interface
// on the server side. Callers never see SQL.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/changeset.hpp"
#include "ocop/core/hlc.hpp"
#include "ocop/core/schema.hpp"

namespace ocop {

// The current value of one field, the stamp of the write that set it, and the store's local
// sequence number of the moment it was applied (the server's is the pull cursor).
struct CellValue {
    Value value;
    Stamp stamp;
    uint64_t seq = 0;
};

struct Record {
    std::string collection;
    std::string id;
    std::map<std::string, CellValue, std::less<>> fields;

    bool deleted() const;
    // The field's value, or null when the record has no such field.
    const Value& get(std::string_view field) const;
    std::map<std::string, Value, std::less<>> values() const;
};

struct Cell {
    std::string collection;
    std::string record_id;
    std::string field;
    CellValue current;
};

struct FieldFilter {
    std::string field;
    Value equals;
};

// A page of cells changed after a cursor, in sequence order.
struct ChangePage {
    std::vector<Cell> cells;
    uint64_t cursor = 0;  // pass this back to continue
    bool more = false;    // true if cells after `cursor` existed when the page was read
    // Rows of the change log read for this page, kept or not (selected_changes_since); 0 when
    // only the cells returned were read.
    size_t scanned = 0;
};

// Which cells of the change log a pull may keep, in terms a store can evaluate while it reads
// the log (in SQL), so that a device scoped to one commune does not make the server read and
// decode the whole province's changes to find its own. A pre-filter only: the caller's scope
// still decides every cell returned (sync::RecordScope), so a selector that keeps too much costs
// time, never a leak.
struct ChangeSelector {
    // Records kept: every record of `collections`, and every record whose current `field` cell
    // holds one of the strings `values`.
    std::vector<std::string> collections;
    std::string field;
    std::vector<std::string> values;
    // Cells whose current stamp is `skip_replica`'s with a clock above `skip_above` are left out
    // (a device's own writes: no echo). Empty: none is.
    std::string skip_replica;
    Hlc skip_above;
    // Rows read at most, kept or not: the page ends there (with `more`), so one request's work
    // stays bounded however little of the log the device may keep.
    size_t max_scanned = SIZE_MAX;
};

// What a store may index its change log by, so that a selector's pull reads the rows of its
// scopes only instead of every row since its cursor (SqliteStore::index_scopes). A record's
// scope is the value of its `field` cell; every record of `reference_collections` has none
// (every selector keeps them whole).
struct ScopeIndex {
    std::string field;
    std::vector<std::string> reference_collections;
};

// What applying a changeset did to each of its field changes.
struct ApplyResult {
    size_t applied = 0;     // became the current value
    size_t superseded = 0;  // a greater stamp was already current (or the same write again)
};

// The write side of one transaction; valid only inside Store::write.
class StoreTxn {
  public:
    virtual ~StoreTxn() = default;

    virtual std::optional<CellValue> cell(std::string_view collection, std::string_view id,
                                          std::string_view field) = 0;
    virtual std::optional<Record> read(std::string_view collection, std::string_view id) = 0;

    // Offers one field value to the store. It becomes current if and only if
    // merge::incoming_wins says so; returns whether it did.
    virtual bool merge(std::string_view collection, std::string_view id, std::string_view field,
                       const Value& value, const Stamp& stamp) = 0;
    // The same for several fields of one record written by one write (a changeset's record):
    // one lookup of the record's stamps instead of one per field. Returns how many became current.
    virtual size_t merge_record(std::string_view collection, std::string_view id,
                                const std::vector<FieldChange>& fields, const Stamp& stamp) = 0;

    // The stamp of every field of a record (no values): cheap enough for every incoming record.
    virtual std::vector<std::pair<std::string, Stamp>> stamps(std::string_view collection,
                                                              std::string_view id) = 0;

    // Puts back the server's version of a cell after the server refused the local write that
    // carries `refused`: the cell becomes `server` (value and stamp), or disappears when the
    // server has no such cell. Does nothing if the cell no longer carries `refused` (a later
    // write superseded it). The second write that bypasses the merge rule: it undoes a write
    // that, as far as every other replica is concerned, never happened.
    virtual bool restore_cell(std::string_view collection, std::string_view id,
                              std::string_view field, const Stamp& refused,
                              const std::optional<CellValue>& server) = 0;

    // Exactly-once bookkeeping of changesets received from other replicas: the highest sequence
    // applied per replica, and the stored outcome of each, returned again on a retry.
    virtual uint64_t last_applied(const std::string& replica) = 0;
    virtual std::optional<std::string> receipt(const std::string& replica, uint64_t seq) = 0;
    virtual void record_applied(const std::string& replica, uint64_t seq,
                                const std::string& receipt) = 0;

    // The local replica's own changesets not yet acknowledged by the server.
    virtual void outbox_put(const Changeset& cs) = 0;
    virtual void outbox_remove_through(uint64_t seq) = 0;

    // Acknowledged changesets are retained (docs/guarantees.md, "Restored server"): a server
    // restored from a backup has lost those acknowledged after the backup, and the device sends
    // them again, with their own numbers. Moves every outbox changeset numbered up to `seq` into
    // the retained set, acknowledged at `acked_ms`.
    virtual void outbox_ack_through(uint64_t seq, int64_t acked_ms) = 0;
    // Replaces a retained changeset (the server re-stamped it: it is retained as it was stored).
    virtual void retained_put(const Changeset& cs, int64_t acked_ms) = 0;
    // Forgets retained changesets acknowledged before `before_ms`.
    virtual void retained_prune(int64_t before_ms) = 0;
    // Moves every retained changeset numbered above `seq` back into the outbox, to be sent again.
    // Returns the lowest number in the outbox afterwards (0: the outbox is empty).
    virtual uint64_t outbox_requeue_retained_after(uint64_t seq) = 0;

    // Changesets of the local replica that the server refused: kept, with the reason, until a
    // person fixes and resubmits or discards them. Never dropped silently.
    virtual void quarantine_put(const Changeset& cs, std::string_view code,
                                std::string_view message) = 0;
    virtual void quarantine_remove(uint64_t seq) = 0;

    // Rewrites the stamp of a cell that still carries `from` (the server re-stamped a changeset
    // whose clock ran too far ahead). The only write that bypasses the merge rule, because it
    // replaces a stamp by the one the server recorded for the same write.
    virtual bool restamp(std::string_view collection, std::string_view id, std::string_view field,
                         const Stamp& from, const Stamp& to) = 0;

    virtual std::optional<std::string> meta(std::string_view key) = 0;
    virtual void set_meta(std::string_view key, std::string_view value) = 0;

    // Removes every cell of every record of `collection` whose `field` holds a value that is not
    // a string in `keep`, bypassing the merge rule and leaving no tombstone: nothing of it syncs.
    // Records without that field are kept (a record pulled in part, whose field arrives with the
    // next page). A device uses it when its user no longer covers a unit:
    // the records stay on the server, the device may no longer hold them. Returns the number of
    // records removed.
    virtual size_t purge_records_not_in(std::string_view collection, std::string_view field,
                                        const std::vector<std::string>& keep) = 0;

    // Runs `fn` inside a savepoint of this transaction, so that several callers' work can share
    // one durable commit (the server's group commit of concurrent pushes) without one caller's
    // failure undoing another's. Returns null if `fn` returned (its writes stay in the
    // transaction); if `fn` threw, every write it made is undone, the transaction goes on, and
    // its exception is returned. Throws only if the savepoint itself could not be undone or the
    // failure ended the whole transaction (SQLite rolls back everything on some I/O errors):
    // then the transaction must be abandoned.
    virtual std::exception_ptr in_savepoint(const std::function<void(StoreTxn&)>& fn) = 0;

    // A hint that these records (collection, id) are about to be read in this transaction: a
    // store whose every read is a round trip (PostgreSQL) reads them all at once. The answers
    // are the same without it; SQLite reads in process and ignores it.
    virtual void prefetch(
        const std::vector<std::pair<std::string_view, std::string_view>>& records) {
        (void)records;
    }
};

struct QuarantinedChangeset {
    Changeset changeset;
    std::string code;
    std::string message;
};

class Store {
  public:
    virtual ~Store() = default;

    // Runs `fn` in one transaction: committed if it returns, rolled back if it throws.
    virtual void write(const std::function<void(StoreTxn&)>& fn) = 0;

    virtual std::optional<Record> read(std::string_view collection, std::string_view id) = 0;
    // Live (not deleted) records of a collection whose fields equal every filter, ordered by id,
    // starting after `after_id`.
    virtual std::vector<Record> query(std::string_view collection,
                                      const std::vector<FieldFilter>& filters, size_t limit,
                                      std::string_view after_id = {}) = 0;

    // Cells applied after `cursor`, at most `max_cells` and about `max_bytes` of values (always at
    // least one cell if any exists, so a page can hold any single value).
    virtual ChangePage changes_since(uint64_t cursor, size_t max_cells, size_t max_bytes) = 0;
    // The same up to `upto` (a head() read before the selector was made, so that the selector
    // knows every record the rows it judges name), without the cells `selector` leaves out; the
    // cursor still moves past them, to `upto` when the page ends before its limits. This
    // default reads every cell (correct, as the selector is a pre-filter; SQLite overrides
    // it).
    virtual ChangePage selected_changes_since(uint64_t cursor, uint64_t upto, size_t max_cells,
                                              size_t max_bytes, const ChangeSelector& selector) {
        (void)upto;
        (void)selector;
        return changes_since(cursor, max_cells, max_bytes);
    }
    virtual uint64_t head() = 0;

    virtual std::vector<Changeset> outbox(size_t limit) = 0;
    virtual size_t outbox_size() = 0;
    virtual size_t retained_size() = 0;
    // The highest changeset number of `replica` applied here (StoreTxn::last_applied, read
    // outside a write transaction).
    virtual uint64_t last_applied(const std::string& replica) = 0;
    virtual std::vector<QuarantinedChangeset> quarantined() = 0;
    virtual std::optional<std::string> meta(std::string_view key) = 0;
};

// Applies every field change of `cs` under the merge rule, inside `txn`.
ApplyResult apply_changeset(StoreTxn& txn, const Changeset& cs);

}  // namespace ocop
