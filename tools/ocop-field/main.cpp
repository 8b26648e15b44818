// ocop-field: a field device on the command line, built only on the SDK's public C++ API.
// Scriptable: every command prints JSON on stdout; failures print one line
// "ocop-field: <code>: <message>" on stderr and exit non-zero (2 for usage errors, 3 for a sync
// that did not complete).
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "ocop/core/error.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/json_views.hpp"

namespace {

using nlohmann::json;

constexpr const char* kUsage = R"(usage: ocop-field --home DIR COMMAND [ARGS]
commands:
  login URL USER [--device-name NAME] [--ca-file PEM]   password is read from stdin; for an
        https URL, PEM is the CA (or self-signed server) certificate to trust instead of the
        system's CAs; it is remembered for sync
  put COLLECTION [--id ID] FIELD=VALUE... [FIELD:=JSON...]
  get COLLECTION ID
  list COLLECTION [FIELD=VALUE...] [--limit N]
  delete COLLECTION ID
  sync [--page-cells N] [--backoff-ms N] [--attempts N]
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
  merge-units --code CODE --name NAME --effective YYYY-MM-DD [--parent UNIT_ID]
        [--decision REF] OLD_UNIT_ID...   an administrator merges units (prints the new id))";

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
            fields[field] = db.value_from_text(collection, field, a.substr(eq + 1));
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
    } else if (cmd == "get") {
        expect_count(args, 2, "get COLLECTION ID");
        const auto rec = db->get(args[0], args[1]);
        if (!rec)
            throw ocop::Error(ocop::ErrorKind::not_found, "record.not_found",
                              args[0] + "/" + args[1] + " does not exist on this device");
        std::cout << ocop::sdk::json_view::record(*rec).dump() << "\n";
    } else if (cmd == "list") {
        const size_t limit = parse_count(take_option(args, "--limit", "1000"), "--limit");
        if (args.empty()) throw UsageError("list COLLECTION [FIELD=VALUE...]");
        std::vector<ocop::FieldFilter> filters;
        for (auto& [k, v] : parse_assignments(*db, args[0], {args.begin() + 1, args.end()}))
            filters.push_back({k, v});
        json out = json::array();
        for (const auto& r : db->list(args[0], filters, limit))
            out.push_back(ocop::sdk::json_view::record(r));
        std::cout << out.dump() << "\n";
    } else if (cmd == "delete") {
        expect_count(args, 2, "delete COLLECTION ID");
        const uint64_t seq =
            db->write([&](ocop::sdk::Transaction& t) { t.remove(args[0], args[1]); });
        std::cout << json{{"deleted", args[1]}, {"seq", seq}}.dump() << "\n";
    } else if (cmd == "sync") {
        ocop::sync::SyncOptions opts;
        opts.page_cells = parse_count(take_option(args, "--page-cells", "5000"), "--page-cells");
        opts.initial_backoff = std::chrono::milliseconds(
            parse_count(take_option(args, "--backoff-ms", "500"), "--backoff-ms"));
        opts.max_attempts =
            static_cast<int>(parse_count(take_option(args, "--attempts", "6"), "--attempts"));
        expect_count(args, 0, "sync [--page-cells N] [--backoff-ms N] [--attempts N]");
        const auto report = db->sync({}, nullptr, opts);
        std::cout << ocop::sdk::json_view::report(report).dump() << "\n";
        if (!report.complete) {
            std::cerr << "ocop-field: " << report.error_code << ": " << report.error_message
                      << "\n";
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
        std::cerr << "ocop-field: " << e.code() << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "ocop-field: internal.error: " << e.what() << "\n";
        return 1;
    }
}
