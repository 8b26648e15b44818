// Conflict resolution against a real server over HTTP: a person chooses one of the competing
// values by its place in the list or by who wrote it (never a number taken for a new value),
// the choice is recorded and audited, a resolved conflict can be reopened, and every competing
// value names its writer and device, the first one too.
#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/database.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;

namespace {

// The code of the ocop::Error `f` throws; empty when it throws none.
template <class F>
std::string code_of(F&& f, std::string* message = nullptr) {
    try {
        f();
    } catch (const Error& e) {
        if (message) *message = e.what();
        return e.code();
    }
    return {};
}

// The audit messages the server wrote for `user`, newest first.
std::vector<std::string> audit_messages(server::Server& server, const std::string& user) {
    server::AuditQuery q;
    q.user = user;
    std::vector<std::string> out;
    for (const auto& e : server.audit().query(q))
        if (!e.message.empty()) out.push_back(e.message);
    return out;
}

// Two officers of commune `unit` and a shared inspection whose site_name both then set offline.
struct TwoWriters {
    explicit TwoWriters(Province& p, const std::string& unit)
        : phone1(sdk::Database::open((dir.path() / "phone1.db").string())),
          phone2(sdk::Database::open((dir.path() / "phone2.db").string())) {
        phone1->enroll(p.url, "doan.a1", kPassword);
        phone2->enroll(p.url, "can.bo.a2", kPassword);
        phone1->write([&](sdk::Transaction& t) {
            id = t.create("inspection", draft_inspection(unit, "HTX A"));
        });
        REQUIRE(phone1->sync().complete);
        REQUIRE(phone2->sync().complete);
    }
    void both_write() {
        phone1->write([&](sdk::Transaction& t) {
            t.put("inspection", id, {{"site_name", "HTX A (khu 1)"}});
        });
        REQUIRE(phone1->sync().complete);
        phone2->write([&](sdk::Transaction& t) {
            t.put("inspection", id, {{"site_name", "HTX A (khu 2)"}});
        });
        REQUIRE(phone2->sync().complete);
        REQUIRE(phone1->sync().complete);
    }
    TempDir dir{"ocop-conflict-phones"};
    std::unique_ptr<sdk::Database> phone1, phone2;
    std::string id;
};

}  // namespace

TEST_CASE("a person chooses a competing value by index or by writer, and may reopen it",
          "[conflict]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("doan.a1", {{"inspector", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    TwoWriters w(p, a);
    w.both_write();
    auto conflict = conflict_on(*w.phone1, w.id);
    REQUIRE(conflict);
    const Value values = conflict->get("values");
    REQUIRE(values.size() == 2);
    CHECK(values[0]["value"] == "HTX A (khu 1)");
    CHECK(values[1]["value"] == "HTX A (khu 2)");

    // Out of range, unknown writer: refused, naming the choices.
    std::string message;
    CHECK(code_of([&] { w.phone1->resolve_conflict_by_index(conflict->id, 3); }, &message) ==
          errc::conflict_no_such_value);
    CHECK(message.find("choose 1..2") != std::string::npos);
    CHECK(message.find("\"HTX A (khu 2)\" by can.bo.a2") != std::string::npos);
    CHECK(code_of([&] { w.phone1->resolve_conflict_by_index(conflict->id, 0); }) ==
          errc::conflict_no_such_value);
    CHECK(code_of([&] { w.phone1->resolve_conflict_by_writer(conflict->id, "ai.do"); }, &message) ==
          errc::conflict_no_such_value);
    CHECK(message.find("1: \"HTX A (khu 1)\" by doan.a1") != std::string::npos);
    CHECK(code_of([&] { w.phone1->reopen_conflict(conflict->id); }) == errc::conflict_not_resolved);

    // The first listed value is chosen: the field gets it (not the text "1").
    w.phone1->resolve_conflict_by_index(conflict->id, 1);
    REQUIRE(w.phone1->sync().complete);
    CHECK(p.server.store().read("inspection", w.id)->get("site_name") == Value("HTX A (khu 1)"));
    auto stored = p.server.store().read("conflict", conflict->id);
    CHECK(stored->get("status") == Value("resolved"));
    CHECK(stored->get("resolved_by") == Value("doan.a1"));
    CHECK(stored->get("resolved_value") == Value("HTX A (khu 1)"));
    CHECK(stored->get("resolved_choice")["index"] == 1);
    CHECK(stored->get("resolved_choice")["writer"] == "doan.a1");
    CHECK(stored->get("resolved_choice")["stamp"] == values[0]["stamp"]);
    REQUIRE_FALSE(audit_messages(p.server, "doan.a1").empty());
    CHECK(audit_messages(p.server, "doan.a1").front() ==
          "conflict " + conflict->id +
              " resolved by \"doan.a1\": value 1 (written by \"doan.a1\") = \"HTX A (khu 1)\"");
    // Choosing again is refused on the device before anything is sent.
    CHECK(code_of([&] { w.phone1->resolve_conflict_by_index(conflict->id, 2); }) ==
          errc::conflict_not_open);

    // The other officer reopens it (the server's permission table allows it) and chooses the
    // value they wrote, by writer.
    REQUIRE(w.phone2->sync().complete);
    CHECK(w.phone2->conflicts().empty());
    w.phone2->reopen_conflict(conflict->id);
    const sync::SyncReport reopened = w.phone2->sync();
    REQUIRE(reopened.complete);
    for (const auto& r : reopened.refusals) FAIL_CHECK(r.code << ": " << r.message);
    stored = p.server.store().read("conflict", conflict->id);
    CHECK(stored->get("status") == Value("open"));
    CHECK(stored->get("reopened_by") == Value("can.bo.a2"));
    CHECK(stored->get("values") == values);
    REQUIRE_FALSE(audit_messages(p.server, "can.bo.a2").empty());
    CHECK(audit_messages(p.server, "can.bo.a2").front() ==
          "conflict " + conflict->id + " reopened by \"can.bo.a2\"");
    REQUIRE(w.phone2->conflicts().size() == 1);
    w.phone2->resolve_conflict_by_writer(conflict->id, "can.bo.a2");
    const sync::SyncReport chosen = w.phone2->sync();
    REQUIRE(chosen.complete);
    for (const auto& r : chosen.refusals) FAIL_CHECK(r.code << ": " << r.message);
    CHECK(p.server.store().read("inspection", w.id)->get("site_name") == Value("HTX A (khu 2)"));
    stored = p.server.store().read("conflict", conflict->id);
    CHECK(stored->get("status") == Value("resolved"));
    CHECK(stored->get("resolved_choice")["index"] == 2);
    CHECK(stored->get("resolved_choice")["writer"] == "can.bo.a2");
    CHECK(
        audit_messages(p.server, "can.bo.a2").front().find("value 2 (written by \"can.bo.a2\")") !=
        std::string::npos);

    // A new value entered explicitly is recorded as such.
    w.phone2->reopen_conflict(conflict->id);
    w.phone2->resolve_conflict(conflict->id, Value("HTX A (khu 3)"));
    REQUIRE(w.phone2->sync().complete);
    stored = p.server.store().read("conflict", conflict->id);
    CHECK(stored->get("resolved_choice") == nlohmann::json{{"new_value", true}});
    CHECK(p.server.store().read("inspection", w.id)->get("site_name") == Value("HTX A (khu 3)"));
}

TEST_CASE("two values by the same writer are chosen by index, not by writer", "[conflict]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("doan.a1", {{"inspector", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    TwoWriters w(p, a);
    // The same officer on a second phone, which had not seen the first phone's edit.
    auto phone3 = sdk::Database::open((w.dir.path() / "phone3.db").string());
    phone3->enroll(p.url, "doan.a1", kPassword);
    REQUIRE(phone3->sync().complete);
    w.phone1->write([&](sdk::Transaction& t) {
        t.put("inspection", w.id, {{"site_name", "Máy 1"}});
    });
    REQUIRE(w.phone1->sync().complete);
    phone3->write([&](sdk::Transaction& t) {
        t.put("inspection", w.id, {{"site_name", "Máy 3"}});
    });
    REQUIRE(phone3->sync().complete);
    const auto conflict = conflict_on(*phone3, w.id);
    REQUIRE(conflict);
    REQUIRE(conflict->get("values").size() == 2);
    std::string message;
    CHECK(code_of([&] { phone3->resolve_conflict_by_writer(conflict->id, "doan.a1"); }, &message) ==
          errc::conflict_ambiguous_writer);
    CHECK(message.find("wrote values 1, 2") != std::string::npos);
    CHECK(message.find("choose one by index") != std::string::npos);
    phone3->resolve_conflict_by_index(conflict->id, 2);
    REQUIRE(phone3->sync().complete);
    CHECK(p.server.store().read("inspection", w.id)->get("site_name") == Value("Máy 3"));
}

TEST_CASE("the first writer of a conflict is named even if its push was never remembered",
          "[conflict]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("doan.a1", {{"inspector", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    TwoWriters w(p, a);
    w.phone1->write([&](sdk::Transaction& t) {
        t.put("inspection", w.id, {{"site_name", "HTX A (khu 1)"}});
    });
    REQUIRE(w.phone1->sync().complete);
    // As on a server whose store holds the first writer's changeset from before owners were
    // remembered (or from before the recorder existed): nothing says whose replica it is.
    p.server.store().write(
        [&](StoreTxn& t) { t.set_meta("conflict.replica_owner/" + w.phone1->replica_id(), ""); });
    w.phone2->write([&](sdk::Transaction& t) {
        t.put("inspection", w.id, {{"site_name", "HTX A (khu 2)"}});
    });
    REQUIRE(w.phone2->sync().complete);
    const auto conflict = conflict_on(*w.phone2, w.id);
    REQUIRE(conflict);
    const Value values = conflict->get("values");
    REQUIRE(values.size() == 2);
    CHECK(values[0]["user"] == "doan.a1");
    CHECK(values[0]["device"] == device_id_of(p.server, "doan.a1"));
    CHECK(values[0]["replica"] == w.phone1->replica_id());
    CHECK(values[1]["user"] == "can.bo.a2");
    CHECK(values[1]["device"] == device_id_of(p.server, "can.bo.a2"));
}
