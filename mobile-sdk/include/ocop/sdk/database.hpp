// The mobile SDK's C++ API: what an app (or ocop-field) links. A Database is one device's local
// store: write records in transactions (each becomes a changeset), read and query them, enroll
// with a provincial server, sync, and see honestly what is pending.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocop/core/local_replica.hpp"
#include "ocop/core/schema.hpp"
#include "ocop/core/store.hpp"
#include "ocop/domain/admin_units.hpp"
#include "ocop/domain/signature_hash.hpp"
#include "ocop/sdk/blobs.hpp"
#include "ocop/sync/principal.hpp"
#include "ocop/sync/sync_client.hpp"

namespace ocop::sdk {

struct EnrollOptions {
    std::string device_name = "field device";
    std::string ca_file;  // for https with a province's own CA or a self-signed certificate
};

// Where the device stands. `fully_synced` is true only when the last sync run completed (nothing
// pending, the pull reached the server's head) and nothing was written or refused since.
struct Status {
    bool enrolled = false;
    std::string server_url;
    std::string user;
    std::string replica_id;
    size_t pending_changesets = 0;
    size_t refused_changesets = 0;
    bool fully_synced = false;
    std::optional<int64_t> last_complete_sync_ms;
    std::string last_error;  // empty when the last run completed
    uint64_t pull_cursor = 0;
    // The user's roles and units as the server last reported them (nullopt before the first
    // sync): the device holds only records these cover and refuses writes they do not allow.
    std::optional<std::vector<sync::Grant>> grants;
};

// One page of a list: `more` is true when records after these exist (the page was cut at its
// limit); the next page starts after `next_after_id`.
struct Page {
    std::vector<Record> records;
    bool more = false;
    std::string next_after_id;
};

class Database;

// The edits of one local transaction; committed by Database::write as one changeset.
class Transaction {
  public:
    // Creates a record with a new id and returns the id.
    std::string create(const std::string& collection, const FieldValues& fields);
    // Sets fields of a record (creating it if the id is new).
    void put(const std::string& collection, const std::string& id, const FieldValues& fields);
    void remove(const std::string& collection, const std::string& id);
    // Brings a deleted record back, with `fields` written with it.
    void restore(const std::string& collection, const std::string& id,
                 const FieldValues& fields = {});

  private:
    friend class Database;
    explicit Transaction(Database& db) : db_(db) {}
    Database& db_;
    LocalTransaction edits_;
};

class Database {
  public:
    // Opens (creating if needed) the device store at `path`. `clock` replaces the system clock
    // (tests, simulations).
    static std::unique_ptr<Database> open(const std::string& path,
                                          PhysicalClock clock = system_physical_clock());
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const Schema& schema() const noexcept;
    const std::string& replica_id() const noexcept;

    // Runs `fn` and commits its edits as one changeset. Throws ocop::Error (nothing stored) when
    // a value, a required field or a record state is wrong. Returns the changeset's sequence.
    uint64_t write(const std::function<void(Transaction&)>& fn);

    std::optional<Record> get(const std::string& collection, const std::string& id);
    // Live records matching all filters, in id order, after `after_id`, at most `limit` of them
    // (0: all). Says whether the result was cut; `list` drops that and is kept for callers that
    // ask for few enough records to know.
    Page list_page(const std::string& collection, const std::vector<FieldFilter>& filters = {},
                   size_t limit = 1000, const std::string& after_id = {});
    std::vector<Record> list(const std::string& collection,
                             const std::vector<FieldFilter>& filters = {}, size_t limit = 1000,
                             const std::string& after_id = {});

    // Records of `collection` (not deleted, in id order, at most `limit`) whose text fields hold
    // every word of `query`, compared folded: case and diacritics ignored, đ read as d, so
    // "cho long xuyen" finds "Chợ Long Xuyên". A non-empty `field` searches that text field only.
    // Scans the collection: the stored layout has no search index, so old stores need no
    // migration. Throws Error(search.empty_query) when `query` has no word.
    std::vector<Record> search(const std::string& collection, const std::string& query,
                               size_t limit = 100, const std::string& field = {});

    // Turns the text form of a value (a form input, a command-line argument) into the field's
    // typed value: integers, reals, true/false, JSON for json fields; empty text is null. An
    // enumeration takes its value or its label_vi in any letter case ("Nháp" -> "draft").
    Value value_from_text(const std::string& collection, const std::string& field,
                          const std::string& text) const;

    // Logs in once (the password is not stored) and keeps the device token for later syncs.
    void enroll(const std::string& server_url, const std::string& user, const std::string& password,
                const EnrollOptions& options = {});
    // The same over a caller's transport (an app's own HTTP stack, through the C ABI's
    // ocop_transport); `server_url` is kept for status and for later syncs.
    void enroll_via(sync::Transport& transport, const std::string& server_url,
                    const std::string& user, const std::string& password,
                    const EnrollOptions& options = {});

    // One sync run: push what is pending, pull what is new. Never throws for network or server
    // errors: they are in the report.
    sync::SyncReport sync(const std::function<void(const sync::SyncProgress&)>& on_progress = {},
                          const std::atomic<bool>* cancel = nullptr,
                          sync::SyncOptions options = {});

    // The same over a caller's transport (in-process tests, simulations).
    sync::SyncReport sync_via(
        sync::Transport& transport, sync::SyncOptions options = {},
        const std::function<void(const sync::SyncProgress&)>& on_progress = {},
        const std::atomic<bool>* cancel = nullptr);

    Status status();
    std::vector<QuarantinedChangeset> refused();
    // A person decided to drop a refused changeset; it is gone from the device afterwards.
    void discard_refused(uint64_t seq);
    // A person fixed a refused changeset: its values, with `fixes` (record id -> fields)
    // applied over them, are written again as a new transaction, and the refused one leaves the
    // quarantine. Returns the new changeset's sequence.
    uint64_t resubmit_refused(uint64_t seq, const std::map<std::string, FieldValues>& fixes = {});

    // Open conflicts the server found on records this device holds (conflict records).
    std::vector<Record> conflicts();
    // A person entered a new value for a conflicting field: the field gets it, with the current
    // value as its base, and the conflict is marked resolved (who, when, which value, and
    // `resolved_choice` {"new_value": true}), in one changeset.
    // A conflict on the field `_deleted` is an edit that met a deletion (the edit is kept in the
    // deleted record): `chosen` false restores the record with the edit, true confirms the
    // deletion. Restoring is an `undelete`, which the permission table gives to some roles only,
    // on the record's own unit.
    // Throws conflict.not_open when the conflict is already resolved (reopen it first).
    uint64_t resolve_conflict(const std::string& conflict_id, const Value& chosen);
    // A person chose one of the competing values: by its position in the conflict's `values`
    // (1-based, as listed to the person), or by the user who wrote it. `resolved_choice` records
    // {index, writer, stamp} of the chosen value. Throws conflict.no_such_value (index out of
    // range, writer of none) or conflict.ambiguous_writer (writer of several), naming the options.
    uint64_t resolve_conflict_by_index(const std::string& conflict_id, size_t index);
    uint64_t resolve_conflict_by_writer(const std::string& conflict_id, const std::string& user);
    // A person with the right reopens a resolved conflict (e.g. the wrong value was chosen): it
    // is open again, with its values, and `reopened_by`/`reopened_at` say who and when. The field
    // keeps the resolved value until the conflict is resolved again. Throws
    // conflict.not_resolved when it is open.
    uint64_t reopen_conflict(const std::string& conflict_id);

    // Signs the inspection's minutes in one changeset: status=signed, signed_by = the enrolled
    // user, signed_at = now (the device clock corrected by the server's offset). Throws
    // ocop.inspection_signer_unknown when the device is not enrolled, record.not_found when the
    // inspection is not here, and whatever the rules refuse (a role that does not sign:
    // perm.sign_denied; minutes already signed: ocop.inspection_signed, as the new time would
    // change them). Returns the changeset's sequence.
    // The changeset also carries signature_hash, over the minutes' fields and blobs (their
    // photos included: domain/signature_hash.hpp).
    uint64_t sign_inspection(const std::string& inspection_id);
    // Recomputes a signed inspection's hash from this device's copy: `intact` false means what
    // was signed has changed since (nothing: no such inspection here).
    std::optional<domain::SignatureCheck> check_signature(const std::string& inspection_id);
    uint64_t restore_deleted(const std::string& conflict_id);   // resolve_conflict(id, false)
    uint64_t confirm_deletion(const std::string& conflict_id);  // resolve_conflict(id, true)

    // An administrator merges units (e.g. communes into one from 2025-07-01): the new unit and
    // each old unit's end date and successor, planned by ocop::domain::plan_unit_merge on this
    // device's copy of the units and written as one changeset that syncs like any other (the
    // server checks the administrator's grants and the unit rules). An empty new_unit_id gets a
    // new id. Returns the new unit's id. Throws what plan_unit_merge and write throw.
    std::string merge_units(domain::UnitMerge merge);

    // Attachments (blobs.hpp): stored in DIR beside the store file (`<path>.blobs`).
    DeviceBlobs& blobs();
    // Uploads pending blobs and prefetches, over the default transport, after the records
    // synced (call sync() first: the server takes a blob only once a synced change references
    // it). Never throws for network or server errors: they are in the report.
    BlobReport sync_blobs(const BlobSyncOptions& options = {},
                          const std::function<void(const BlobProgress&)>& on_progress = {},
                          const std::atomic<bool>* cancel = nullptr);
    BlobReport sync_blobs_via(sync::BlobTransport& transport, const BlobSyncOptions& options = {},
                              const std::function<void(const BlobProgress&)>& on_progress = {},
                              const std::atomic<bool>* cancel = nullptr);
    // Fetches one blob on demand (or finds it on the device) and returns its file. Throws
    // Error (blob.not_referenced, blob.not_found, sync.* transient).
    std::string fetch_blob(const std::string& ref, const BlobSyncOptions& options = {});
    std::string fetch_blob_via(sync::BlobTransport& transport, const std::string& ref,
                               const BlobSyncOptions& options = {});

  private:
    uint64_t resolve_conflict_with(const std::string& conflict_id, const Value& chosen,
                                   const Value& choice);
    friend class Transaction;
    struct Impl;
    explicit Database(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ocop::sdk
