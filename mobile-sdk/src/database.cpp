#include "ocop/sdk/database.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "default_transport.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/core/stored_number.hpp"
#include "ocop/core/text.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/domain/domain_error_codes.hpp"
#include "ocop/domain/permission_rule.hpp"
#include "ocop/domain/rules.hpp"
#include "ocop/domain/signature_hash.hpp"
#include "ocop/domain/signing_rule.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "ocop/sync/device_scope.hpp"
#include "vi_case.hpp"

namespace ocop::sdk {

namespace {

// Meta keys of the SDK itself (the core and the sync client keep their own).
constexpr const char* kServerUrl = "sdk_server_url";
constexpr const char* kUser = "sdk_user";
// The device token. On Android/iOS the app should keep it in the platform keystore; the CLI keeps
// it here, in the device's own private store.
constexpr const char* kToken = "sdk_device_token";
constexpr const char* kCaFile = "sdk_ca_file";
constexpr const char* kLastRunComplete = "sdk_last_run_complete";

// An option's value as given, or the value of the option whose label_vi it is (any case:
// "nháp" -> "draft"). Anything else is returned unchanged for validation to refuse with the list
// of options.
std::string enum_value_from_text(const FieldDef& def, const std::string& text) {
    for (const auto& o : def.options)
        if (o.value == text) return o.value;
    for (const auto& o : def.options)
        if (!o.label_vi.empty() && detail::equal_ignoring_case_vi(o.label_vi, text)) return o.value;
    return text;
}

[[noreturn]] void bad_text(const std::string& collection, const std::string& field,
                           const std::string& what) {
    throw Error(ErrorKind::invalid_input, errc::value_type_mismatch,
                collection + "." + field + ": " + what);
}

}  // namespace

struct Database::Impl {
    Impl(const std::string& path, PhysicalClock clock)
        : path(path),
          // A phone holds a commune's data; 16 MiB of page cache keeps a full first pull of a
          // million cells under 64 MiB of memory.
          store(path, sqlite::Durability::full, 16),
          raw_clock(std::move(clock)),
          offset(
              stored_i64(store.meta(sync::meta_key::clock_offset), sync::meta_key::clock_offset)),
          permission_rule(permissions),
          // The signer is the enrolled user, read in the committing transaction.
          signing_rule(rules.signing(),
                       [](StoreTxn& t) { return domain::Writer{t.meta(kUser).value_or("")}; }),
          replica(store, builtin_schema(), offset.corrected(raw_clock),
                  UuidV7Generator().next(raw_clock()), device_rules()) {
        permission_rule.set_grants(sync::DeviceScope(store).grants());
    }

    // The permission table first, then the OCOP rules, in the server's order.
    std::vector<const ChangesetRule*> device_rules() const {
        std::vector<const ChangesetRule*> out{&permission_rule};
        out.push_back(&signing_rule);
        for (const ChangesetRule* rule : rules.list()) out.push_back(rule);
        return out;
    }

    std::string path;
    SqliteStore store;
    PhysicalClock raw_clock;
    sync::ClockOffset offset;
    // The permission table (with the grants the server last reported) and the OCOP rules run on
    // the device before anything is stored, so the officer learns at once what the server would
    // refuse.
    domain::PermissionChecker permissions;
    domain::DevicePermissionRule permission_rule;
    domain::DomainRules rules;
    domain::WriterSigningRule signing_rule;
    LocalReplica replica;
    std::unique_ptr<DeviceBlobs> blobs;  // opened on first use (Database::blobs)
};

std::unique_ptr<Database> Database::open(const std::string& path, PhysicalClock clock) {
    return std::unique_ptr<Database>(new Database(std::make_unique<Impl>(path, std::move(clock))));
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::~Database() = default;

const Schema& Database::schema() const noexcept {
    return impl_->replica.schema();
}
const std::string& Database::replica_id() const noexcept {
    return impl_->replica.id();
}

std::string Transaction::create(const std::string& collection, const FieldValues& fields) {
    std::string id = db_.impl_->replica.new_record_id();
    edits_.put(collection, id, fields);
    return id;
}

void Transaction::put(const std::string& collection, const std::string& id,
                      const FieldValues& fields) {
    edits_.put(collection, id, fields);
}

void Transaction::remove(const std::string& collection, const std::string& id) {
    edits_.remove(collection, id);
}

void Transaction::restore(const std::string& collection, const std::string& id,
                          const FieldValues& fields) {
    edits_.restore(collection, id);
    if (!fields.empty()) edits_.put(collection, id, fields);
}

uint64_t Database::write(const std::function<void(Transaction&)>& fn) {
    Transaction txn(*this);
    fn(txn);
    const Changeset cs = impl_->replica.commit(txn.edits_);
    impl_->store.write([](StoreTxn& t) { t.set_meta(kLastRunComplete, "0"); });
    return cs.seq;
}

std::optional<Record> Database::get(const std::string& collection, const std::string& id) {
    schema().require_collection(collection);
    return impl_->store.read(collection, id);
}

Page Database::list_page(const std::string& collection, const std::vector<FieldFilter>& filters,
                         size_t limit, const std::string& after_id) {
    const CollectionDef& coll = schema().require_collection(collection);
    for (const auto& f : filters) schema().validate_value(coll, f.field, f.equals);
    Page page;
    // One record more than asked tells whether the result was cut; 0 ("all") must not overflow.
    const size_t asked = limit == 0 ? std::numeric_limits<size_t>::max() - 1 : limit;
    page.records = impl_->store.query(collection, filters, asked + 1, after_id);
    if (page.records.size() > asked) {
        page.records.pop_back();
        page.more = true;
        page.next_after_id = page.records.back().id;
    }
    return page;
}

std::vector<Record> Database::list(const std::string& collection,
                                   const std::vector<FieldFilter>& filters, size_t limit,
                                   const std::string& after_id) {
    return list_page(collection, filters, limit, after_id).records;
}

std::vector<Record> Database::search(const std::string& collection, const std::string& query,
                                     size_t limit, const std::string& field) {
    const CollectionDef& coll = schema().require_collection(collection);
    std::vector<std::string> fields;
    if (!field.empty()) {
        const FieldDef* def = coll.field(field);
        if (!def)
            throw Error(ErrorKind::invalid_input, errc::schema_unknown_field,
                        collection + "." + field + ": no such field in the schema");
        if (def->type != FieldType::text)
            throw Error(ErrorKind::invalid_input, errc::value_type_mismatch,
                        collection + "." + field + ": search needs a text field, this is " +
                            std::string(to_string(def->type)));
        fields.push_back(field);
    } else {
        for (const auto& f : coll.fields)
            if (f.type == FieldType::text) fields.push_back(f.name);
    }
    std::vector<std::string> words;
    const std::string folded_query = text::fold_for_search(query);
    for (size_t at = 0; at < folded_query.size();) {
        const size_t end = std::min(folded_query.find(' ', at), folded_query.size());
        words.push_back(folded_query.substr(at, end - at));
        at = end + 1;
    }
    if (words.empty())
        throw Error(ErrorKind::invalid_input, errc::search_empty_query,
                    "search in " + collection + ": the query has no word");

    // Each word may match a different field ("long xuyen" in the name, "an giang" in the
    // address), so the fields are joined before the words are looked for.
    const auto matches = [&](const Record& rec) {
        std::string haystack;
        for (const auto& name : fields) {
            const Value& v = rec.get(name);
            if (!v.is_string()) continue;
            haystack += text::fold_for_search(v.get_ref<const std::string&>());
            haystack += '\n';
        }
        for (const auto& w : words)
            if (haystack.find(w) == std::string::npos) return false;
        return true;
    };
    std::vector<Record> out;
    std::string after;
    constexpr size_t page = 256;
    while (out.size() < limit) {
        std::vector<Record> batch = impl_->store.query(collection, {}, page, after);
        if (batch.empty()) break;
        after = batch.back().id;
        for (auto& rec : batch) {
            if (out.size() >= limit) break;
            if (matches(rec)) out.push_back(std::move(rec));
        }
        if (batch.size() < page) break;
    }
    return out;
}

Value Database::value_from_text(const std::string& collection, const std::string& field,
                                const std::string& text) const {
    const CollectionDef& coll = schema().require_collection(collection);
    if (text.empty()) return nullptr;
    if (field == deleted_field) {
        if (text == "true") return true;
        if (text == "false") return false;
        bad_text(collection, field, "must be true or false");
    }
    const FieldDef* def = coll.field(field);
    if (!def)
        throw Error(ErrorKind::invalid_input, errc::schema_unknown_field,
                    collection + "." + field + ": no such field in the schema");
    try {
        size_t used = 0;
        switch (def->type) {
            case FieldType::integer: {
                const long long v = std::stoll(text, &used);
                if (used != text.size()) bad_text(collection, field, "must be an integer");
                return v;
            }
            case FieldType::real: {
                const double v = std::stod(text, &used);
                if (used != text.size()) bad_text(collection, field, "must be a number");
                return v;
            }
            case FieldType::boolean:
                if (text == "true") return true;
                if (text == "false") return false;
                bad_text(collection, field, "must be true or false");
            case FieldType::json:
                return nlohmann::json::parse(text);
            case FieldType::enumeration:
                return enum_value_from_text(*def, text);
            default:
                return text;
        }
    } catch (const std::invalid_argument&) {
        bad_text(collection, field, "'" + text + "' is not a " + std::string(to_string(def->type)));
    } catch (const std::out_of_range&) {
        bad_text(collection, field, "'" + text + "' is out of range");
    } catch (const nlohmann::json::exception&) {
        bad_text(collection, field, "'" + text + "' is not valid JSON");
    }
}

void Database::enroll(const std::string& server_url, const std::string& user,
                      const std::string& password, const EnrollOptions& options) {
    // Kept for every later sync, which may run from another working directory.
    EnrollOptions kept = options;
    if (!kept.ca_file.empty()) kept.ca_file = std::filesystem::absolute(kept.ca_file).string();
    const auto transport = make_default_transport(server_url, kept.ca_file);
    enroll_via(*transport, server_url, user, password, kept);
}

void Database::enroll_via(sync::Transport& transport, const std::string& server_url,
                          const std::string& user, const std::string& password,
                          const EnrollOptions& options) {
    const std::string& ca_file = options.ca_file;
    const nlohmann::json body = {{"user", user},
                                 {"password", password},
                                 {"replica", replica_id()},
                                 {"device_name", options.device_name},
                                 {"app_version", "ocop-sdk/0.1.0"}};
    const sync::HttpReply reply = transport.post("/v1/login", body.dump(), "");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(reply.body);
    } catch (const nlohmann::json::exception&) {
        throw Error(
            ErrorKind::internal, errc::sync_server_error,
            "login: server answered HTTP " + std::to_string(reply.status) + " without JSON");
    }
    if (reply.status != 200) {
        const auto& err = doc.value("error", nlohmann::json::object());
        throw Error(reply.status == 401 ? ErrorKind::unauthorized : ErrorKind::invalid_input,
                    err.value("code", std::string(errc::sync_server_error)),
                    err.value("message", "login failed with HTTP " + std::to_string(reply.status)));
    }
    const std::string token = doc.value("token", "");
    if (token.empty())
        throw Error(ErrorKind::internal, errc::sync_server_error, "login answer has no token");
    if (doc.contains("server_time_ms") && doc["server_time_ms"].is_number_integer()) {
        const int64_t now = impl_->raw_clock();
        impl_->offset.learn(doc["server_time_ms"].get<int64_t>(), now, now);
    }
    impl_->store.write([&](StoreTxn& t) {
        t.set_meta(kServerUrl, server_url);
        t.set_meta(kUser, user);
        t.set_meta(kToken, token);
        t.set_meta(kCaFile, ca_file);
        t.set_meta(sync::meta_key::clock_offset, std::to_string(impl_->offset.get()));
    });
}

sync::SyncReport Database::sync(const std::function<void(const sync::SyncProgress&)>& on_progress,
                                const std::atomic<bool>* cancel, sync::SyncOptions options) {
    const auto url = impl_->store.meta(kServerUrl);
    if (!url || !impl_->store.meta(kToken)) {
        sync::SyncReport report;
        report.error_code = errc::sync_not_enrolled;
        report.error_message = "this device is not enrolled: log in to a server first";
        report.progress.pending = impl_->store.outbox_size();
        return report;
    }
    try {
        const auto transport =
            make_default_transport(*url, impl_->store.meta(kCaFile).value_or(""));
        return sync_via(*transport, std::move(options), on_progress, cancel);
    } catch (const Error& e) {
        sync::SyncReport report;
        report.error_code = e.code();
        report.error_message = e.what();
        report.progress.pending = impl_->store.outbox_size();
        return report;
    }
}

sync::SyncReport Database::sync_via(
    sync::Transport& transport, sync::SyncOptions options,
    const std::function<void(const sync::SyncProgress&)>& on_progress,
    const std::atomic<bool>* cancel) {
    if (!options.scope) options.scope = &domain::builtin_scope_policy();
    // A rotated token is kept at once: the old one works only for a grace period.
    options.on_new_token = [this, chained = std::move(options.on_new_token)](const std::string& t) {
        impl_->store.write([&](StoreTxn& txn) { txn.set_meta(kToken, t); });
        if (chained) chained(t);
    };
    sync::SyncClient client(impl_->replica, transport, impl_->store.meta(kToken).value_or(""),
                            std::move(options), &impl_->offset, impl_->raw_clock);
    sync::SyncReport report = client.run(on_progress, cancel);
    impl_->permission_rule.set_grants(sync::DeviceScope(impl_->store).grants());
    impl_->store.write(
        [&](StoreTxn& t) { t.set_meta(kLastRunComplete, report.complete ? "1" : "0"); });
    return report;
}

Status Database::status() {
    Status s;
    s.server_url = impl_->store.meta(kServerUrl).value_or("");
    s.user = impl_->store.meta(kUser).value_or("");
    s.enrolled = impl_->store.meta(kToken).has_value();
    s.replica_id = replica_id();
    s.pending_changesets = impl_->store.outbox_size();
    s.refused_changesets = impl_->store.quarantined().size();
    if (const auto last = impl_->store.meta(sync::meta_key::last_complete_sync))
        s.last_complete_sync_ms = stored_i64(last, sync::meta_key::last_complete_sync);
    s.last_error = impl_->store.meta(sync::meta_key::last_error).value_or("");
    s.pull_cursor =
        stored_u64(impl_->store.meta(sync::meta_key::pull_cursor), sync::meta_key::pull_cursor);
    s.grants = sync::DeviceScope(impl_->store).grants();
    // After the server was restored from a backup, not until everything was pulled again.
    const bool repull_pending = impl_->store.meta(sync::meta_key::repull).value_or("") == "1";
    s.fully_synced = impl_->store.meta(kLastRunComplete).value_or("0") == "1" &&
                     s.pending_changesets == 0 && s.refused_changesets == 0 && !repull_pending;
    return s;
}

std::vector<QuarantinedChangeset> Database::refused() {
    return impl_->store.quarantined();
}

void Database::discard_refused(uint64_t seq) {
    bool found = false;
    for (const auto& q : impl_->store.quarantined()) found = found || q.changeset.seq == seq;
    if (!found)
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no refused changeset " + std::to_string(seq) + " on this device");
    impl_->store.write([&](StoreTxn& t) { t.quarantine_remove(seq); });
}

uint64_t Database::resubmit_refused(uint64_t seq, const std::map<std::string, FieldValues>& fixes) {
    std::optional<Changeset> refused;
    for (auto& q : impl_->store.quarantined())
        if (q.changeset.seq == seq) refused = std::move(q.changeset);
    if (!refused)
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no refused changeset " + std::to_string(seq) + " on this device");
    LocalTransaction edits;
    for (const auto& rec : refused->records) {
        FieldValues fields;
        for (const auto& f : rec.fields) fields[f.field] = f.value;
        if (const auto it = fixes.find(rec.id); it != fixes.end())
            for (const auto& [name, value] : it->second) fields[name] = value;
        edits.put(rec.collection, rec.id, fields);
    }
    Changeset cs;
    impl_->store.write([&](StoreTxn& t) {
        cs = impl_->replica.commit_in(t, edits);
        t.quarantine_remove(seq);
        t.set_meta(kLastRunComplete, "0");
    });
    return cs.seq;
}

std::string Database::merge_units(domain::UnitMerge merge) {
    if (merge.new_unit_id.empty()) merge.new_unit_id = impl_->replica.new_record_id();
    const LocalTransaction edits = domain::plan_unit_merge(impl_->store, merge);
    impl_->replica.commit(edits);
    impl_->store.write([](StoreTxn& t) { t.set_meta(kLastRunComplete, "0"); });
    return merge.new_unit_id;
}

std::vector<Record> Database::conflicts() {
    return impl_->store.query("conflict", {FieldFilter{"status", "open"}}, 10000, {});
}

namespace {

Record open_conflict(SqliteStore& store, const std::string& conflict_id) {
    auto conflict = store.read("conflict", conflict_id);
    if (!conflict || conflict->deleted())
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no conflict " + conflict_id + " on this device");
    return std::move(*conflict);
}

// The competing values as a person sees them: "1: <value> by <user>, 2: ...".
std::string listed_values(const Value& values) {
    std::string out;
    size_t n = 0;
    for (const auto& v : values) {
        if (!out.empty()) out += ", ";
        const Value user = v.value("user", Value());
        out += std::to_string(++n) + ": " + v.value("value", Value()).dump() + " by " +
               (user.is_string() ? user.get<std::string>() : std::string("(unknown writer)"));
    }
    return out.empty() ? std::string("none") : out;
}

Value values_of(const Record& conflict) {
    const Value values = conflict.get("values");
    return values.is_array() ? values : Value::array();
}

// What `resolved_choice` records of a listed value: where it was listed, who wrote it, its stamp.
Value choice_of(const Value& entry, size_t index) {
    return Value{{"index", index},
                 {"writer", entry.value("user", Value())},
                 {"stamp", entry.value("stamp", Value())}};
}

}  // namespace

uint64_t Database::resolve_conflict(const std::string& conflict_id, const Value& chosen) {
    return resolve_conflict_with(conflict_id, chosen, Value{{"new_value", true}});
}

uint64_t Database::resolve_conflict_by_index(const std::string& conflict_id, size_t index) {
    const Value values = values_of(open_conflict(impl_->store, conflict_id));
    if (index < 1 || index > values.size())
        throw Error(ErrorKind::invalid_input, errc::conflict_no_such_value,
                    "conflict " + conflict_id + " has no value " + std::to_string(index) +
                        "; choose 1.." + std::to_string(values.size()) + " (" +
                        listed_values(values) + ")");
    const Value& entry = values[index - 1];
    return resolve_conflict_with(conflict_id, entry.value("value", Value()),
                                 choice_of(entry, index));
}

uint64_t Database::resolve_conflict_by_writer(const std::string& conflict_id,
                                              const std::string& user) {
    const Value values = values_of(open_conflict(impl_->store, conflict_id));
    std::vector<size_t> by_user;
    for (size_t i = 0; i < values.size(); ++i)
        if (values[i].value("user", Value()) == Value(user)) by_user.push_back(i + 1);
    if (by_user.empty())
        throw Error(ErrorKind::invalid_input, errc::conflict_no_such_value,
                    "no value of conflict " + conflict_id + " was written by '" + user +
                        "'; the values are " + listed_values(values));
    if (by_user.size() > 1) {
        std::string which;
        for (size_t i : by_user) which += (which.empty() ? "" : ", ") + std::to_string(i);
        throw Error(ErrorKind::invalid_input, errc::conflict_ambiguous_writer,
                    "'" + user + "' wrote values " + which + " of conflict " + conflict_id +
                        ": choose one by index (" + listed_values(values) + ")");
    }
    const Value& entry = values[by_user.front() - 1];
    return resolve_conflict_with(conflict_id, entry.value("value", Value()),
                                 choice_of(entry, by_user.front()));
}

uint64_t Database::resolve_conflict_with(const std::string& conflict_id, const Value& chosen,
                                         const Value& choice) {
    const Record conflict = open_conflict(impl_->store, conflict_id);
    // Checked here, not only by the server, so that the person is told before anything is
    // written (the server would refuse the changeset as perm.state_denied after a sync).
    if (conflict.get("status") != Value("open"))
        throw Error(ErrorKind::conflict, errc::conflict_not_open,
                    "conflict " + conflict_id + " is already resolved (by " +
                        conflict.get("resolved_by").dump() + "); reopen it first to choose again");
    const std::string collection = conflict.get("record_collection").get<std::string>();
    const std::string record_id = conflict.get("record_id").get<std::string>();
    const std::string field = conflict.get("field").get<std::string>();
    const int64_t now = impl_->replica.clock().physical_ms();
    const bool meets_deletion = field == deleted_field;
    if (meets_deletion && !chosen.is_boolean())
        throw Error(ErrorKind::invalid_input, errc::value_type_mismatch,
                    "conflict " + conflict_id +
                        " is an edit of a deleted record: choose true (confirm the deletion) or "
                        "false (restore the record with the edit)");
    return write([&](Transaction& t) {
        if (meets_deletion) {
            // The edit is already in the deleted record's cells: restoring brings it back with
            // it; confirming leaves the record deleted. Either way only what changes is written.
            const auto record = impl_->store.read(collection, record_id);
            const bool deleted = record && record->deleted();
            if (!chosen.get<bool>() && deleted)
                t.restore(collection, record_id);
            else if (chosen.get<bool>() && record && !deleted)
                t.remove(collection, record_id);
        } else {
            t.put(collection, record_id, {{field, chosen}});
        }
        t.put("conflict", conflict_id,
              {{"status", "resolved"},
               {"resolved_by", impl_->store.meta(kUser).value_or(replica_id())},
               {"resolved_at", sync::iso_utc(now)},
               {"resolved_value", chosen},
               {"resolved_choice", choice}});
    });
}

uint64_t Database::reopen_conflict(const std::string& conflict_id) {
    const Record conflict = open_conflict(impl_->store, conflict_id);
    if (conflict.get("status") != Value("resolved"))
        throw Error(ErrorKind::conflict, errc::conflict_not_resolved,
                    "conflict " + conflict_id + " is " + conflict.get("status").dump() +
                        ", not resolved: there is nothing to reopen");
    const int64_t now = impl_->replica.clock().physical_ms();
    return write([&](Transaction& t) {
        t.put("conflict", conflict_id,
              {{"status", "open"},
               {"reopened_by", impl_->store.meta(kUser).value_or(replica_id())},
               {"reopened_at", sync::iso_utc(now)}});
    });
}

uint64_t Database::sign_inspection(const std::string& inspection_id) {
    const auto user = impl_->store.meta(kUser);
    if (!user || user->empty())
        throw Error(ErrorKind::invalid_input, domain::errc::inspection_signer_unknown,
                    "inspection/" + inspection_id +
                        ": this device is not enrolled: log in to the server before signing");
    const auto stored = impl_->store.read("inspection", inspection_id);
    if (!stored || stored->deleted())
        throw Error(ErrorKind::not_found, errc::record_not_found,
                    "no inspection " + inspection_id + " on this device");
    // The device's clock corrected by the server's offset: the time the server will judge.
    const std::string now = sync::iso_utc(impl_->replica.clock().physical_ms());
    // The hash of the minutes as signed: their fields and blobs (signature_hash.hpp).
    const FieldValues signing = {{"status", "signed"}, {"signed_by", *user}, {"signed_at", now}};
    FieldValues after = stored->values();
    for (const auto& [k, v] : signing) after[k] = v;
    const std::string hash = domain::inspection_signature_hash(
        after, domain::inspection_photo_refs(impl_->store, inspection_id));
    return write([&](Transaction& t) {
        FieldValues fields = signing;
        fields[domain::signature_hash_field] = hash;
        t.put("inspection", inspection_id, fields);
    });
}

std::optional<domain::SignatureCheck> Database::check_signature(const std::string& inspection_id) {
    return domain::check_inspection_signature(impl_->store, inspection_id);
}

uint64_t Database::restore_deleted(const std::string& conflict_id) {
    return resolve_conflict(conflict_id, Value(false));
}

uint64_t Database::confirm_deletion(const std::string& conflict_id) {
    return resolve_conflict(conflict_id, Value(true));
}

DeviceBlobs& Database::blobs() {
    if (!impl_->blobs) {
        if (impl_->path.empty() || impl_->path == ":memory:")
            throw Error(ErrorKind::invalid_input, errc::blob_io,
                        "a store in memory keeps no blobs: open the database from a file");
        impl_->blobs = std::make_unique<DeviceBlobs>(impl_->path + ".blobs", impl_->store,
                                                     builtin_schema(), impl_->raw_clock);
    }
    return *impl_->blobs;
}

BlobReport Database::sync_blobs(const BlobSyncOptions& options,
                                const std::function<void(const BlobProgress&)>& on_progress,
                                const std::atomic<bool>* cancel) {
    try {
        const auto url = impl_->store.meta(kServerUrl);
        if (!url || !impl_->store.meta(kToken))
            throw Error(ErrorKind::invalid_input, errc::sync_not_enrolled,
                        "this device is not enrolled: log in to a server first");
        const auto transport =
            make_default_blob_transport(*url, impl_->store.meta(kCaFile).value_or(""));
        return sync_blobs_via(*transport, options, on_progress, cancel);
    } catch (const Error& e) {
        BlobReport report;
        report.error_code = e.code();
        report.error_message = e.what();
        return report;
    }
}

BlobReport Database::sync_blobs_via(sync::BlobTransport& transport, const BlobSyncOptions& options,
                                    const std::function<void(const BlobProgress&)>& on_progress,
                                    const std::atomic<bool>* cancel) {
    BlobReport report = blobs().sync(transport, impl_->store.meta(kToken).value_or(""), options,
                                     on_progress, cancel);
    // A token the server rotated on a blob request is kept at once, as after a sync.
    if (const std::string t = transport.take_new_token(); !t.empty())
        impl_->store.write([&](StoreTxn& txn) { txn.set_meta(kToken, t); });
    return report;
}

std::string Database::fetch_blob(const std::string& ref, const BlobSyncOptions& options) {
    if (auto file = blobs().path(ref)) return *file;
    const auto url = impl_->store.meta(kServerUrl);
    if (!url)
        throw Error(ErrorKind::not_found, errc::blob_not_found,
                    ref + " is not on this device, which is not enrolled to fetch it");
    const auto transport =
        make_default_blob_transport(*url, impl_->store.meta(kCaFile).value_or(""));
    return fetch_blob_via(*transport, ref, options);
}

std::string Database::fetch_blob_via(sync::BlobTransport& transport, const std::string& ref,
                                     const BlobSyncOptions& options) {
    std::string file =
        blobs().fetch(ref, transport, impl_->store.meta(kToken).value_or(""), options);
    if (const std::string t = transport.take_new_token(); !t.empty())
        impl_->store.write([&](StoreTxn& txn) { txn.set_meta(kToken, t); });
    return file;
}

}  // namespace ocop::sdk
