// ocop-field: a field device on the command line, built only on the SDK's public C++ API.
// Scriptable: every command prints JSON on stdout; failures print the line
// "ocop-field: <code>: <message>" on stderr (scripts parse it), then "ocop-field: <the code's
// Vietnamese message>" for the officer, and exit non-zero (2 for usage errors, 3 for a sync that
// did not complete).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/core/messages_vi.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/deadlines.hpp"
#include "ocop/sdk/json_views.hpp"
#include "ocop/sdk/local_time.hpp"
#include "ocop/sdk/units.hpp"

namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(usage: ocop-field --home DIR COMMAND [ARGS]
commands:
  login URL USER [--device-name NAME] [--ca-file PEM]   password is read from stdin; for an
        https URL, PEM is the CA (or self-signed server) certificate to trust instead of the
        system's CAs; it is remembered for sync
  put COLLECTION [--id ID] FIELD=VALUE... [FIELD:=JSON...]
  get COLLECTION ID [--labels]
  list COLLECTION [FIELD=VALUE...] [--limit N] [--after ID] [--labels]
        a JSON array of at most N records (default 1000; 0: all) in id order, after ID; when
        more exist, stderr says so in one line: "ocop-field: list: more records after ID; run
        again with --after ID for the rest, or --limit 0 for all". unit=X also lists the
        records of the units that merged into X.
        --labels adds FIELD_label_vi beside enum fields and FIELD_local (date-times in this
        device's zone, TZ) beside date-time fields
  search COLLECTION TEXT... [--field FIELD] [--limit N]   words in any case, with or without
        diacritics ("cho long xuyen" finds "Chợ Long Xuyên"), in the text fields
  delete COLLECTION ID
  sign inspection ID             sign the minutes as the logged-in user, now
  sync [--page-bytes N] [--page-cells N] [--backoff-ms N] [--attempts N]
  status
  refused
  discard SEQ
  resubmit SEQ [--record ID FIELD=VALUE...]   fix a refused changeset and send it again
  conflicts
  resolve CONFLICT_ID --index N | --writer USER | --value TEXT | --json JSON
        choose the N-th listed value (1-based), the value USER wrote, or enter a new one
  reopen CONFLICT_ID             a resolved conflict is open again, to choose anew
  restore CONFLICT_ID            an edit met a deletion: bring the record back with the edit
  confirm-deletion CONFLICT_ID   an edit met a deletion: the record stays deleted
  units [--level LEVEL] [--on YYYY-MM-DD] [--all]   the administrative units in force today
        (or on a day; --all: every unit, also former ones), by code; a unit field accepts a code
        in place of an id (put finding unit=30316), and list COLLECTION unit=X also finds the
        records of the units that merged into X
  merge-units --code CODE --name NAME --effective YYYY-MM-DD [--parent UNIT_ID]
        [--decision REF] OLD_UNIT_ID...   an administrator merges units (prints the new id)
  due [--on YYYY-MM-DD]          the deadlines the records on this device run (Decision 26/2026
        Art. 7.2 commune report, 7.6.g re-evaluation, 8.4 revocation, 12.2 transitional), soonest
        first, each with due_in_working_days and text_vi ("Còn N ngày làm việc ...")
  overdue [--on YYYY-MM-DD]      the same, only those past their due day
  attach COLLECTION ID FIELD FILE [--type MIME]   store FILE as a blob (photo, signature, scan)
        and set the record's blob FIELD to it; the type follows the extension unless given
  fetch REF [--out FILE]         the blob's file on this device, fetched from the server if
        needed (resuming a partial download); --out copies it there
  sync-blobs                     upload pending blobs (after sync), fetch prefetched ones)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::string home;
    std::string command;
    std::vector<std::string> rest;
};

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--home") {
            if (++i >= argc) throw UsageError("--home needs a directory");
            a.home = argv[i];
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage << "\n";
            std::exit(0);
        } else if (a.command.empty()) {
            a.command = arg;
        } else {
            a.rest.push_back(arg);
        }
    }
    if (a.home.empty()) throw UsageError("--home DIR is required");
    if (a.command.empty()) throw UsageError("no command given");
    return a;
}

// Removes "--name value" from args and returns the value, or `fallback`.
std::string take_option(std::vector<std::string>& args, const std::string& name,
                        const std::string& fallback = {}) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] != name) continue;
        if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
        std::string v = args[i + 1];
        args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
        return v;
    }
    return fallback;
}

// Removes "--name" from args and says whether it was there.
bool take_flag(std::vector<std::string>& args, const std::string& name) {
    const auto before = args.size();
    std::erase(args, name);
    return args.size() != before;
}

// A record as JSON; with labels, enum labels and date-times in the device's zone (TZ) too.
json show(const ocop::sdk::Database& db, const ocop::Record& r, bool labels) {
    if (!labels) return ocop::sdk::json_view::record(r);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    return ocop::sdk::json_view::record_labelled(r, db.schema(),
                                                 ocop::sdk::device_utc_offset_minutes(now));
}

void expect_count(const std::vector<std::string>& args, size_t n, const char* what) {
    if (args.size() != n) throw UsageError(std::string("expected ") + what);
}

size_t parse_count(const std::string& text, const char* what) {
    try {
        size_t used = 0;
        const unsigned long v = std::stoul(text, &used);
        if (used == text.size() && v > 0) return v;
    } catch (const std::exception&) {
    }
    throw UsageError(std::string(what) + " must be a positive number");
}

ocop::domain::Date today() {
    using namespace std::chrono;
    return ocop::domain::Date::from_unix_ms(
        duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// A reference to an administrative unit may be given by the unit's code (what officers know);
// the id is what is stored.
bool is_unit_reference(ocop::sdk::Database& db, const std::string& collection,
                       const std::string& field) {
    const auto* coll = db.schema().collection(collection);
    const auto* def = coll ? coll->field(field) : nullptr;
    return def && def->type == ocop::FieldType::reference && def->ref_collection == "admin_unit";
}

// A list by unit also holds the records of the units that merged into it (they keep the unit
// they were made under), as the permission check reads a unit.
ocop::sdk::Page list_following_mergers(ocop::sdk::Database& db, const std::string& collection,
                                       std::vector<ocop::FieldFilter> filters, size_t limit,
                                       const std::string& after) {
    const auto unit = std::find_if(filters.begin(), filters.end(), [&](const auto& f) {
        return f.field == "unit" && f.equals.is_string() &&
               is_unit_reference(db, collection, "unit");
    });
    if (unit == filters.end()) return db.list_page(collection, filters, limit, after);
    const std::string unit_id = unit->equals.get<std::string>();
    filters.erase(unit);
    ocop::sdk::Page page;
    page.records = ocop::sdk::list_in_unit(db, collection, unit_id, filters,
                                           limit == 0 ? 0 : limit + 1, after);
    if (limit != 0 && page.records.size() > limit) {
        page.records.resize(limit);
        page.more = true;
        page.next_after_id = page.records.back().id;
    }
    return page;
}

// FIELD=VALUE (typed by the schema) or FIELD:=JSON.
ocop::FieldValues parse_assignments(ocop::sdk::Database& db, const std::string& collection,
                                    const std::vector<std::string>& args) {
    ocop::FieldValues fields;
    for (const auto& a : args) {
        const auto eq = a.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("'" + a + "' is not FIELD=VALUE");
        if (a[eq - 1] == ':') {
            try {
                fields[a.substr(0, eq - 1)] = json::parse(a.substr(eq + 1));
            } catch (const json::exception&) {
                throw UsageError("'" + a + "': the value after := is not valid JSON");
            }
        } else {
            const std::string field = a.substr(0, eq);
            const std::string text = a.substr(eq + 1);
            if (!text.empty() && !ocop::is_uuid(text) && is_unit_reference(db, collection, field))
                fields[field] = ocop::sdk::unit_id_by_code(db, text, today());
            else
                fields[field] = db.value_from_text(collection, field, text);
        }
    }
    return fields;
}

std::string read_password() {
    std::string password;
    if (!std::getline(std::cin, password) || password.empty())
        throw UsageError("login reads the password from stdin (one line)");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

// The blob type of a file, from its extension (what a camera or a scanner writes).
std::string type_of_file(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
    if (ext == ".png") return "image/png";
    if (ext == ".webp") return "image/webp";
    if (ext == ".heic") return "image/heic";
    if (ext == ".pdf") return "application/pdf";
    throw UsageError("cannot tell the type of '" + path + "' from its extension: give --type");
}

json blob_report(const ocop::sdk::BlobReport& r) {
    return {{"complete", r.complete},
            {"uploaded", r.uploaded},
            {"downloaded", r.downloaded},
            {"pending", r.pending},
            {"not_referenced", r.not_referenced},
            {"bytes_sent", r.bytes_sent},
            {"bytes_received", r.bytes_received},
            {"requests", r.requests},
            {"failures", r.failures},
            {"resent_acknowledged", r.resent_acknowledged}};
}

int run(Args a) {
    std::filesystem::create_directories(a.home);
    auto db = ocop::sdk::Database::open(a.home + "/device.db");
    auto& args = a.rest;
    const std::string& cmd = a.command;
    if (cmd == "login") {
        ocop::sdk::EnrollOptions opts;
        opts.device_name = take_option(args, "--device-name", "ocop-field");
        opts.ca_file = take_option(args, "--ca-file");
        // Kept by the SDK for every later sync, which may run from another directory.
        if (!opts.ca_file.empty()) opts.ca_file = std::filesystem::absolute(opts.ca_file).string();
        expect_count(args, 2, "login URL USER");
        db->enroll(args[0], args[1], read_password(), opts);
        std::cout << json{{"enrolled", true},
                          {"server", args[0]},
                          {"user", args[1]},
                          {"replica", db->replica_id()}}
                         .dump()
                  << "\n";
    } else if (cmd == "put") {
        std::string id = take_option(args, "--id");
        if (args.empty()) throw UsageError("put COLLECTION [--id ID] FIELD=VALUE...");
        const std::string collection = args[0];
        const auto fields = parse_assignments(*db, collection, {args.begin() + 1, args.end()});
        const uint64_t seq = db->write([&](ocop::sdk::Transaction& t) {
            if (id.empty())
                id = t.create(collection, fields);
            else
                t.put(collection, id, fields);
        });
        std::cout << json{{"id", id}, {"seq", seq}}.dump() << "\n";
    } else if (cmd == "sign") {
        expect_count(args, 2, "sign inspection ID");
        if (args[0] != "inspection")
            throw UsageError("only inspections are signed: sign inspection ID");
        const uint64_t seq = db->sign_inspection(args[1]);
        std::cout << json{{"id", args[1]}, {"seq", seq}, {"signed_by", db->status().user}}.dump()
                  << "\n";
    } else if (cmd == "get") {
        const bool labels = take_flag(args, "--labels");
        expect_count(args, 2, "get COLLECTION ID");
        const auto rec = db->get(args[0], args[1]);
        if (!rec)
            throw ocop::Error(ocop::ErrorKind::not_found, "record.not_found",
                              args[0] + "/" + args[1] + " does not exist on this device");
        std::cout << show(*db, *rec, labels).dump() << "\n";
    } else if (cmd == "list") {
        const bool labels = take_flag(args, "--labels");
        const std::string limit_text = take_option(args, "--limit", "1000");
        size_t limit = 0;  // all
        try {
            if (limit_text != "0") limit = parse_count(limit_text, "--limit");
        } catch (const UsageError&) {
            throw UsageError("--limit must be a number of records, or 0 for all");
        }
        const std::string after = take_option(args, "--after", "");
        if (args.empty()) throw UsageError("list COLLECTION [FIELD=VALUE...]");
        std::vector<ocop::FieldFilter> filters;
        for (auto& [k, v] : parse_assignments(*db, args[0], {args.begin() + 1, args.end()}))
            filters.push_back({k, v});
        // stdout stays a plain array (what scripts already read); the cut is said on stderr so
        // nobody takes the first page for the whole.
        const ocop::sdk::Page page = list_following_mergers(*db, args[0], filters, limit, after);
        json out = json::array();
        for (const auto& r : page.records) out.push_back(show(*db, r, labels));
        std::cout << out.dump() << "\n";
        if (page.more)
            std::cerr << "ocop-field: list: more records after " << page.next_after_id
                      << "; run again with --after " << page.next_after_id
                      << " for the rest, or --limit 0 for all\n";
    } else if (cmd == "search") {
        const size_t limit = parse_count(take_option(args, "--limit", "100"), "--limit");
        const std::string field = take_option(args, "--field");
        if (args.size() < 2) throw UsageError("search COLLECTION TEXT... [--field F] [--limit N]");
        std::string query;
        for (size_t i = 1; i < args.size(); ++i) query += (i > 1 ? " " : "") + args[i];
        json out = json::array();
        for (const auto& r : db->search(args[0], query, limit, field))
            out.push_back(ocop::sdk::json_view::record(r));
        std::cout << out.dump() << "\n";
    } else if (cmd == "delete") {
        expect_count(args, 2, "delete COLLECTION ID");
        const uint64_t seq =
            db->write([&](ocop::sdk::Transaction& t) { t.remove(args[0], args[1]); });
        std::cout << json{{"deleted", args[1]}, {"seq", seq}}.dump() << "\n";
    } else if (cmd == "sync") {
        ocop::sync::SyncOptions opts;
        // Pages are sized in bytes (sync tuning.hpp); a cell count only if asked for.
        if (const std::string cells = take_option(args, "--page-cells"); !cells.empty())
            opts.page_cells = parse_count(cells, "--page-cells");
        if (const std::string bytes = take_option(args, "--page-bytes"); !bytes.empty())
            opts.page_bytes = parse_count(bytes, "--page-bytes");
        opts.initial_backoff = std::chrono::milliseconds(
            parse_count(take_option(args, "--backoff-ms", "500"), "--backoff-ms"));
        const std::string attempts = take_option(args, "--attempts");
        opts.max_attempts =
            static_cast<int>(parse_count(attempts.empty() ? "6" : attempts, "--attempts"));
        // Asked for explicitly (a script waiting for a server that restarts), the attempts hold
        // when nothing answers too; by default an offline device is told so within seconds.
        if (!attempts.empty()) {
            opts.max_no_connection_attempts = opts.max_attempts;
            opts.no_connection_budget = std::chrono::hours(1);
        }
        expect_count(args, 0,
                     "sync [--page-bytes N] [--page-cells N] [--backoff-ms N] [--attempts N]");
        const auto report = db->sync({}, nullptr, opts);
        std::cout << ocop::sdk::json_view::report(report).dump() << "\n";
        if (!report.complete) {
            std::cerr << "ocop-field: " << report.error_code << ": " << report.error_message << "\n"
                      << "ocop-field: " << ocop::message_vi_or_generic(report.error_code) << "\n";
            return 3;
        }
    } else if (cmd == "status") {
        expect_count(args, 0, "status");
        std::cout << ocop::sdk::json_view::status(db->status()).dump() << "\n";
    } else if (cmd == "refused") {
        expect_count(args, 0, "refused");
        std::cout << ocop::sdk::json_view::refused(db->refused()).dump() << "\n";
    } else if (cmd == "discard") {
        expect_count(args, 1, "discard SEQ");
        db->discard_refused(parse_count(args[0], "SEQ"));
        std::cout << json{{"discarded", args[0]}}.dump() << "\n";
    } else if (cmd == "resubmit") {
        const std::string record = take_option(args, "--record");
        if (args.empty()) throw UsageError("resubmit SEQ [--record ID FIELD=VALUE...]");
        const uint64_t seq = parse_count(args[0], "SEQ");
        std::map<std::string, ocop::FieldValues> fixes;
        if (!record.empty()) {
            std::string collection;
            for (const auto& q : db->refused())
                if (q.changeset.seq == seq)
                    for (const auto& r : q.changeset.records)
                        if (r.id == record) collection = r.collection;
            if (collection.empty()) throw UsageError("refused changeset has no record " + record);
            fixes[record] = parse_assignments(*db, collection, {args.begin() + 1, args.end()});
        } else if (args.size() > 1) {
            throw UsageError("field fixes need --record ID");
        }
        std::cout << json{{"resubmitted", seq}, {"seq", db->resubmit_refused(seq, fixes)}}.dump()
                  << "\n";
    } else if (cmd == "units") {
        const std::string level = take_option(args, "--level");
        const std::string on_text = take_option(args, "--on");
        bool all = false;
        if (const auto it = std::find(args.begin(), args.end(), "--all"); it != args.end()) {
            all = true;
            args.erase(it);
        }
        expect_count(args, 0, "units [--level LEVEL] [--on YYYY-MM-DD] [--all]");
        auto on = today();
        if (!on_text.empty()) {
            const auto d = ocop::domain::Date::try_parse(on_text);
            if (!d) throw UsageError("--on must be a date YYYY-MM-DD");
            on = *d;
        }
        json out = json::array();
        const auto units =
            all ? ocop::sdk::all_units(*db, level) : ocop::sdk::units_in_force(*db, on, level);
        for (const auto& u : units) {
            json row = {{"code", u.get("code")},
                        {"name", u.get("name")},
                        {"level", u.get("level")},
                        {"id", u.id},
                        {"valid_from", u.get("valid_from")}};
            if (!u.get("valid_to").is_null()) row["valid_to"] = u.get("valid_to");
            if (!u.get("successor").is_null()) row["successor"] = u.get("successor");
            out.push_back(std::move(row));
        }
        std::cout << out.dump() << "\n";
    } else if (cmd == "merge-units") {
        ocop::domain::UnitMerge merge;
        merge.code = take_option(args, "--code");
        merge.name = take_option(args, "--name");
        const std::string effective = take_option(args, "--effective");
        const std::string parent = take_option(args, "--parent");
        merge.decision_ref = take_option(args, "--decision");
        if (merge.code.empty() || merge.name.empty() || effective.empty() || args.empty())
            throw UsageError(
                "merge-units --code CODE --name NAME --effective YYYY-MM-DD "
                "[--parent UNIT_ID] [--decision REF] OLD_UNIT_ID...");
        const auto date = ocop::domain::Date::try_parse(effective);
        if (!date) throw UsageError("--effective must be a date YYYY-MM-DD");
        merge.effective = *date;
        if (!parent.empty()) merge.parent = parent;
        merge.old_units = args;
        std::cout << json{{"unit", db->merge_units(merge)}, {"merged", args}}.dump() << "\n";
    } else if (cmd == "due" || cmd == "overdue") {
        const std::string on_text = take_option(args, "--on");
        expect_count(args, 0, (cmd + " [--on YYYY-MM-DD]").c_str());
        auto on = today();
        if (!on_text.empty()) {
            const auto d = ocop::domain::Date::try_parse(on_text);
            if (!d) throw UsageError("--on must be a date YYYY-MM-DD");
            on = *d;
        }
        const auto items = cmd == "due" ? ocop::sdk::running_deadlines(*db, on)
                                        : ocop::sdk::overdue_deadlines(*db, on);
        json out = json::array();
        for (const auto& i : items) out.push_back(ocop::sdk::to_json(i));
        std::cout << out.dump() << "\n";
    } else if (cmd == "conflicts") {
        expect_count(args, 0, "conflicts");
        json out = json::array();
        for (const auto& r : db->conflicts()) out.push_back(ocop::sdk::json_view::record(r));
        std::cout << out.dump() << "\n";
    } else if (cmd == "resolve") {
        constexpr const char* usage =
            "resolve CONFLICT_ID --index N | --writer USER | --value TEXT | --json JSON";
        // Each choice is a flag, so that "1" is never taken for a new value when the person
        // meant the first listed one.
        std::map<std::string, std::string> given;
        for (const char* flag : {"--index", "--writer", "--value", "--json"})
            if (std::find(args.begin(), args.end(), flag) != args.end())
                given[flag] = take_option(args, flag);
        if (args.size() == 2 && given.empty())
            throw UsageError("resolve takes its choice as a flag: --index " + args[1] +
                             " for the value listed at " + args[1] +
                             ", --writer USER for the "
                             "value a user wrote, or --value TEXT / --json JSON for a new value");
        if (args.size() != 1 || given.size() != 1) throw UsageError(usage);
        const std::string& id = args[0];
        const auto& [flag, text] = *given.begin();
        uint64_t seq = 0;
        if (flag == "--index") {
            size_t used = 0;
            unsigned long index = 0;
            try {
                index = std::stoul(text, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used == 0 || used != text.size() || text.front() == '-')
                throw UsageError("--index must be the number of a listed value (1, 2, ...)");
            seq = db->resolve_conflict_by_index(id, index);
        } else if (flag == "--writer") {
            seq = db->resolve_conflict_by_writer(id, text);
        } else {
            const auto conflict = db->get("conflict", id);
            if (!conflict)
                throw ocop::Error(ocop::ErrorKind::not_found, "record.not_found",
                                  "no conflict " + id + " on this device");
            ocop::Value chosen;
            if (flag == "--json") {
                try {
                    chosen = json::parse(text);
                } catch (const json::exception&) {
                    throw UsageError("--json value is not valid JSON");
                }
            } else {
                chosen = db->value_from_text(conflict->get("record_collection").get<std::string>(),
                                             conflict->get("field").get<std::string>(), text);
            }
            seq = db->resolve_conflict(id, chosen);
        }
        std::cout << json{{"resolved", id}, {"seq", seq}}.dump() << "\n";
    } else if (cmd == "reopen") {
        expect_count(args, 1, "reopen CONFLICT_ID");
        std::cout << json{{"reopened", args[0]}, {"seq", db->reopen_conflict(args[0])}}.dump()
                  << "\n";
    } else if (cmd == "restore" || cmd == "confirm-deletion") {
        expect_count(args, 1, cmd.c_str());
        const uint64_t seq =
            cmd == "restore" ? db->restore_deleted(args[0]) : db->confirm_deletion(args[0]);
        std::cout << json{{"resolved", args[0]}, {"seq", seq}}.dump() << "\n";
    } else if (cmd == "attach") {
        std::string type = take_option(args, "--type");
        expect_count(args, 4, "attach COLLECTION ID FIELD FILE [--type MIME]");
        if (type.empty()) type = type_of_file(args[3]);
        const std::string ref = db->blobs().put_file(args[3], type);
        const uint64_t seq = db->write([&](ocop::sdk::Transaction& t) {
            t.put(args[0], args[1], {{args[2], ref}});
        });
        std::cout << json{{"id", args[1]},
                          {"field", args[2]},
                          {"ref", ref},
                          {"size", db->blobs().info(ref)->size},
                          {"seq", seq}}
                         .dump()
                  << "\n";
    } else if (cmd == "fetch") {
        const std::string out = take_option(args, "--out");
        expect_count(args, 1, "fetch REF [--out FILE]");
        const std::string file = db->fetch_blob(args[0]);
        if (!out.empty())
            std::filesystem::copy_file(file, out,
                                       std::filesystem::copy_options::overwrite_existing);
        std::cout << json{{"ref", args[0]},
                          {"path", out.empty() ? file : out},
                          {"size", std::filesystem::file_size(file)}}
                         .dump()
                  << "\n";
    } else if (cmd == "sync-blobs") {
        expect_count(args, 0, "sync-blobs");
        const auto report = db->sync_blobs();
        std::cout << blob_report(report).dump() << "\n";
        if (!report.complete) {
            const std::string code =
                report.error_code.empty() ? "blob.not_referenced" : report.error_code;
            std::cerr << "ocop-field: " << code << ": "
                      << (report.error_message.empty() ? std::to_string(report.pending) +
                                                             " blobs wait for their records to sync"
                                                       : report.error_message)
                      << "\n"
                      << "ocop-field: " << ocop::message_vi_or_generic(code) << "\n";
            return 3;
        }
    } else {
        throw UsageError("unknown command '" + cmd + "'");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parse_args(argc, argv));
    } catch (const UsageError& e) {
        std::cerr << "ocop-field: usage: " << e.what() << "\n" << kUsage << "\n";
        return 2;
    } catch (const ocop::Error& e) {
        std::cerr << "ocop-field: " << e.code() << ": " << e.what() << "\n"
                  << "ocop-field: " << ocop::message_vi_or_generic(e.code()) << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "ocop-field: internal.error: " << e.what() << "\n"
                  << "ocop-field: " << ocop::message_vi("internal.error") << "\n";
        return 1;
    }
}
