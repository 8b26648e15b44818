// Two communes under one province on a real server: officer A's device never receives a record of
// commune B (checked in every answer that crossed the wire and in A's local database), and every
// attempt of A to create, change, move, delete or sign B's records, or to sign as a team lead, is
// refused whole, leaves B's records untouched, and is audited. B's deleted, undeleted and
// re-created records of every collection included: a deleted record keeps its unit, and A can
// neither take it over nor bring it back; the refusals say only that A may not write them.
#include <iostream>

#include "ocop/core/error_codes.hpp"
#include "ocop/domain/permission_rule.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

using RecordKey = std::pair<std::string, std::string>;  // collection, id

// Every record of the server's store, and the ones a grant on `unit` covers.
std::set<RecordKey> all_records(Store& store) {
    std::set<RecordKey> out;
    uint64_t cursor = 0;
    for (;;) {
        const ChangePage page = store.changes_since(cursor, 20000, 64 << 20);
        for (const auto& c : page.cells) out.insert({c.collection, c.record_id});
        cursor = page.cursor;
        if (!page.more) break;
    }
    return out;
}

std::set<RecordKey> covered_by(Store& store, const std::string& unit) {
    domain::RecordVisibility visibility(store, {{"provincial_staff", unit}});
    std::set<RecordKey> out;
    for (const auto& key : all_records(store))
        if (!domain::PermissionTable::builtin().is_reference(key.first) &&
            visibility.visible(key.first, key.second))
            out.insert(key);
    return out;
}

// Values and stamps of the given records, to show they did not change.
std::map<RecordKey, std::map<std::string, std::string>> snapshot(Store& store,
                                                                 const std::set<RecordKey>& keys) {
    std::map<RecordKey, std::map<std::string, std::string>> out;
    for (const auto& key : keys) {
        const auto record = store.read(key.first, key.second);
        if (!record) continue;
        for (const auto& [field, cell] : record->fields)
            out[key][field] = cell.value.dump() + " @" + std::to_string(cell.stamp.hlc.packed()) +
                              "/" + cell.stamp.replica;
    }
    return out;
}

// A field of `collection` worth changing: the first text field that is not a reference, a state
// or a signature.
std::string editable_field(const std::string& collection) {
    const auto* perms = domain::PermissionTable::builtin().collection(collection);
    for (const auto& f : builtin_schema().require_collection(collection).fields) {
        if (f.name == "unit" || f.name == perms->state_field || perms->sign_fields.count(f.name))
            continue;
        if (f.type == FieldType::text) return f.name;
    }
    return {};
}

}  // namespace

TEST_CASE("officer A never receives commune B's records and cannot touch them", "[isolation]") {
    Province p(2000);
    const auto [a, b] = p.two_communes();
    REQUIRE(a != b);
    p.user("can.bo.a", {{"commune_officer", a}});
    p.user("can.bo.b", {{"commune_officer", b}, {"team_lead", b}});

    // B's side: two of B's devices edit the same applicant concurrently, so that B also has a
    // conflict record (the one collection the demo data lacks).
    {
        RawDevice b1(p.url, "can.bo.b", "phone-b1", p.server.port());
        RawDevice b2(p.url, "can.bo.b", "phone-b2", p.server.port());
        REQUIRE(b1.sync().complete);
        REQUIRE(b2.sync().complete);
        const auto applicants = p.records_of("applicant", b);
        REQUIRE_FALSE(applicants.empty());
        // And a photo, in case the demo data has none in B.
        b1.put("evidence_photo", "0192b000-0000-7000-8000-ffffffffffff",
               {{"blob", "sha256:" + std::string(64, 'a')}, {"caption", "Kho hàng"}, {"unit", b}});
        // B's team also records a draft inspection with an amendment and a proposal (the demo
        // data has few of those).
        const std::string inspection = "0192b000-0000-7000-8000-fffffffffff0";
        b1.put("inspection", inspection,
               {{"kind", "production_facility"},
                {"site_name", "HTX B"},
                {"started_at", "2026-11-22T08:00:00+07:00"},
                {"status", "draft"},
                {"unit", b}});
        b1.put("inspection_amendment", "0192b000-0000-7000-8000-fffffffffff1",
               {{"inspection", inspection},
                {"reason", "Sai tên cơ sở"},
                {"changes", nlohmann::json{{"site_name", "HTX B2"}}},
                {"unit", b}});
        b1.put("proposal", "0192b000-0000-7000-8000-fffffffffff2",
               {{"inspection", inspection},
                {"kind", "correct"},
                {"correct_by", "2026-12-31"},
                {"description", "Bổ sung nhãn"},
                {"status", "open"},
                {"unit", b}});
        b1.put("applicant", applicants.front(), {{"phone", "0901111111"}});
        b2.put("applicant", applicants.front(), {{"phone", "0902222222"}});
        REQUIRE(b1.sync().complete);
        REQUIRE(b2.sync().complete);
        const auto conflicts = p.records_of("conflict", b);
        REQUIRE(conflicts.size() == 1);
        // Both writers are named, the first one too (the server knows whose replica it is).
        const Value values = p.server.store().read("conflict", conflicts.front())->get("values");
        REQUIRE(values.size() == 2);
        for (const auto& v : values) CHECK(v["user"] == "can.bo.b");
        CHECK(values[0]["device"].is_string());
        CHECK(values[0]["device"] != values[1]["device"]);
    }
    // Deleted, undeleted and re-created records of every collection in B: copies of one of B's
    // records, written by the server's own replica (no device may delete some collections),
    // then deleted; the second brought back as it was, the third brought back with new values.
    struct Lifecycle {
        std::string deleted, undeleted, recreated;
    };
    std::map<std::string, Lifecycle> lifecycle;
    {
        LocalReplica server_side(p.server.store(), builtin_schema(), system_physical_clock(),
                                 "unused", {}, /*keep_outbox=*/false);
        uint64_t m = 0;
        for (const auto& collection :
             domain::PermissionTable::builtin().unit_scoped_collections()) {
            INFO(collection);
            const auto of_b_now = p.records_of(collection, b);
            REQUIRE_FALSE(of_b_now.empty());
            const FieldValues values =
                p.server.store().read(collection, of_b_now.front())->values();
            Lifecycle& l = lifecycle[collection];
            for (std::string* id : {&l.deleted, &l.undeleted, &l.recreated}) {
                char buf[40];
                std::snprintf(buf, sizeof buf, "0192b001-0000-7000-8000-%012llu",
                              static_cast<unsigned long long>(++m));
                *id = buf;
                LocalTransaction put;
                put.put(collection, *id, values);
                server_side.commit(put);
                LocalTransaction remove;
                remove.remove(collection, *id);
                server_side.commit(remove);
            }
            LocalTransaction back;
            back.restore(collection, l.undeleted);
            const std::string field = editable_field(collection);
            back.restore(collection, l.recreated);
            if (!field.empty()) back.put(collection, l.recreated, {{field, "tạo lại"}});
            server_side.commit(back);
            REQUIRE(p.server.store().read(collection, l.deleted)->deleted());
            REQUIRE_FALSE(p.server.store().read(collection, l.undeleted)->deleted());
            REQUIRE_FALSE(p.server.store().read(collection, l.recreated)->deleted());
        }
    }

    const std::set<RecordKey> of_b = covered_by(p.server.store(), b);
    const std::set<RecordKey> of_a = covered_by(p.server.store(), a);
    REQUIRE(of_b.size() > 50);
    REQUIRE(of_a.size() > 20);

    RawDevice officer_a(p.url, "can.bo.a", "phone-a", p.server.port());
    sync::SyncOptions small_pages;
    small_pages.page_cells = 500;
    REQUIRE(officer_a.sync(small_pages).complete);

    // A holds all of A's records and every unit, and nothing of B, in its local database...
    std::set<RecordKey> held;
    for (const auto& key : all_records(officer_a.store)) held.insert(key);
    for (const auto& key : of_a) CHECK(held.count(key));
    for (const auto& key : of_b) CHECK_FALSE(held.count(key));
    // ...and no cell of B's records ever crossed the wire to A.
    size_t cells_received = 0;
    for (const auto& answer : officer_a.transport.answers)
        if (answer.pull)
            for (const auto& c : answer.pull->cells) {
                ++cells_received;
                CHECK_FALSE(of_b.count({c.collection, c.record_id}));
            }
    CHECK(cells_received > 0);

    uint64_t n = 0;
    const auto new_id = [&] {
        char buf[40];
        std::snprintf(buf, sizeof buf, "0192b000-0000-7000-8000-%012llu",
                      static_cast<unsigned long long>(++n));
        return std::string(buf);
    };
    // A draft inspection of A's own, to try signing it as if A were a team lead.
    std::optional<Record> own_draft;
    for (const auto& key : of_a)
        if (key.first == "inspection") {
            auto r = p.server.store().read(key.first, key.second);
            if (r && r->get("status") == Value("draft")) own_draft = r;
        }
    if (!own_draft) {  // none in the demo data: A's officer records one first (allowed)
        const std::string id = new_id();
        officer_a.put("inspection", id,
                      {{"kind", "market_point"},
                       {"site_name", "Chợ xã"},
                       {"started_at", "2026-11-23T08:00:00+07:00"},
                       {"status", "draft"},
                       {"unit", a}});
        REQUIRE(officer_a.sync().complete);
        own_draft = p.server.store().read("inspection", id);
    }
    REQUIRE(own_draft);

    // Every collection, every operation, on B's records; each attempt is its own changeset.
    const auto before = snapshot(p.server.store(), of_b);
    const domain::PermissionTable& table = domain::PermissionTable::builtin();
    size_t attempts = 0;
    std::map<std::string, size_t> per_collection;
    // A tampered app writes whole records (it holds none of B's), so each attempt carries the
    // record's values with the change; values equal to the server's are not changes there.
    std::map<uint64_t, std::string> tried;
    std::map<uint64_t, std::string> says_only;
    const auto attempt = [&](const std::string& collection, const std::string& id,
                             FieldValues fields, const FieldValues& change, bool remove = false) {
        fields.erase(std::string(deleted_field));
        for (const auto& [k, v] : change) fields[k] = v;
        LocalTransaction t;
        t.put(collection, id, fields);
        if (remove) t.remove(collection, id);
        const uint64_t seq = officer_a.replica.commit(t).seq;
        tried[seq] =
            collection + " " + id + (remove ? " delete" : " " + nlohmann::json(change).dump());
        // A refusal about one of B's records says only that A may not write it.
        if (of_b.count({collection, id}))
            says_only[seq] = collection + " " + id + ": your account may not write this record";
        ++attempts;
        ++per_collection[collection];
    };
    for (const auto& collection : table.unit_scoped_collections()) {
        INFO(collection);
        std::optional<Record> theirs;
        for (const auto& key : of_b)
            if (key.first == collection && key.second.rfind("0192b001-", 0) != 0) {
                theirs = p.server.store().read(key.first, key.second);
                if (theirs && !theirs->deleted()) break;
            }
        REQUIRE(theirs);
        const FieldValues values = theirs->values();
        // Create a record in B (a copy of one of B's).
        attempt(collection, new_id(), values, {{"unit", b}});
        // Change a field of B's record.
        const std::string field = editable_field(collection);
        if (!field.empty()) attempt(collection, theirs->id, values, {{field, "sửa trái phép"}});
        // Move B's record into A, where A's officer would hold it.
        attempt(collection, theirs->id, values, {{"unit", a}});
        // Sign B's record, where the collection has signatures.
        const auto* perms = table.collection(collection);
        FieldValues sign;
        if (!perms->signed_state.empty()) sign[perms->state_field] = perms->signed_state;
        if (perms->sign_fields.count("signed_at")) sign["signed_at"] = "2026-11-23T09:00:00+07:00";
        if (perms->sign_fields.count("signed_by")) sign["signed_by"] = "Trưởng đoàn giả";
        if (perms->sign_fields.count("signed_on")) sign["signed_on"] = "2026-11-23";
        if (!sign.empty()) attempt(collection, theirs->id, values, sign);
        // Delete B's record.
        attempt(collection, theirs->id, values, {}, /*remove=*/true);
    }
    // B's deleted, undeleted and re-created records: taking them over (moving them into A,
    // with or without bringing them back), editing, undeleting or deleting them.
    for (const auto& [collection, l] : lifecycle) {
        INFO(collection);
        const std::string field = editable_field(collection);
        const FieldValues gone = p.server.store().read(collection, l.deleted)->values();
        attempt(collection, l.deleted, gone, {{"unit", a}});
        FieldValues revive{{std::string(deleted_field), false}, {"unit", a}};
        if (!field.empty()) revive[field] = "chiếm lại";
        attempt(collection, l.deleted, gone, revive);
        attempt(collection, l.deleted, gone, {{std::string(deleted_field), false}});
        if (!field.empty()) attempt(collection, l.deleted, gone, {{field, "sửa bản đã xóa"}});
        for (const auto& live : {l.undeleted, l.recreated}) {
            const FieldValues values = p.server.store().read(collection, live)->values();
            attempt(collection, live, values, {{"unit", a}});
            if (!field.empty()) attempt(collection, live, values, {{field, "sửa trái phép"}});
            attempt(collection, live, values, {}, /*remove=*/true);
        }
    }

    // Signing in A's own commune: A is a commune officer, not a team lead.
    attempt("inspection", own_draft->id, own_draft->values(),
            {{"status", "signed"},
             {"signed_at", "2026-11-23T10:00:00+07:00"},
             {"signed_by", "Cán bộ xã A"}});

    const sync::SyncReport report = officer_a.sync();
    INFO("sync error: " << report.error_code << ": " << report.error_message);
    for (const auto& r : report.refusals) tried.erase(r.seq);
    for (const auto& [seq, what] : tried) FAIL_CHECK("accepted: " << what);
    CHECK(report.progress.pushed == 0);
    REQUIRE(report.refusals.size() == attempts);
    std::map<std::string, size_t> by_code;
    for (const auto& r : report.refusals) {
        INFO(r.code << ": " << r.message);
        CHECK(r.code.rfind("perm.", 0) == 0);
        if (const auto it = says_only.find(r.seq); it != says_only.end())
            CHECK(r.message == it->second);
        ++by_code[r.code];
    }
    CHECK(says_only.size() > 5 * lifecycle.size());
    CHECK(by_code[errc::perm_sign_denied] >= 1);
    // Nothing of B changed on the server, and no refusal handed A any of B's values.
    CHECK(snapshot(p.server.store(), of_b) == before);
    for (const auto& answer : officer_a.transport.answers)
        for (const auto& result : answer.results)
            for (const auto& sv : result.server_values)
                if (of_b.count({sv.collection, sv.record_id})) CHECK_FALSE(sv.current);
    for (const auto& key : of_b) CHECK_FALSE(officer_a.store.read(key.first, key.second));

    // Every attempt is in the audit trail, with its user, device and code.
    server::AuditQuery query;
    query.user = "can.bo.a";
    query.outcome = "refused";
    const auto audited = p.server.audit().query(query);
    CHECK(audited.size() == attempts);
    for (const auto& e : audited) {
        CHECK(e.code.rfind("perm.", 0) == 0);
        CHECK(e.replica == "phone-a");
        CHECK(e.remote_address == "127.0.0.1");
    }

    std::cout << "isolation: " << attempts << " refused attempts of officer A over "
              << per_collection.size() << " collections (";
    for (const auto& [code, count] : by_code) std::cout << code << " " << count << "; ";
    std::cout << "), " << cells_received << " cells pulled, " << of_b.size()
              << " records of commune B never sent\n";
}
