// The C ABI against a real server over HTTP on the loopback (the trust tests' province): enrol,
// record a tourism-site inspection offline, sync with progress, see a conflict and choose a
// value, fix a refused changeset and resubmit it, sync on the SDK's own thread and cancel it.
// Only ocop_sdk.h is used on the device side, as an app would.
#include <atomic>
#include <thread>
#include <vector>

#include "ocop/core/error_codes.hpp"
#include "ocop/sdk/ocop_sdk.h"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;
using nlohmann::json;

namespace {

// A string the ABI handed out, as JSON, freed.
json take_json(char* text, size_t len) {
    REQUIRE(text != nullptr);
    const std::string copy(text, len);
    ocop_string_free(text);
    return json::parse(copy);
}

// The code of an error the ABI returned, freed; empty for none.
std::string take_code(ocop_error* err) {
    if (!err) return {};
    const std::string code = ocop_error_get_code(err, nullptr);
    ocop_error_free(err);
    return code;
}

struct Phone {
    server::test::TempDir dir{"ocop-c-abi-phone"};
    ocop_db* db = nullptr;

    Phone(const Province& p, const std::string& user) {
        ocop_error* err = nullptr;
        db = ocop_db_open((dir.path() / "device.db").string().c_str(), &err);
        REQUIRE(take_code(err).empty());
        REQUIRE(db);
        REQUIRE(ocop_db_enroll(db, p.url.c_str(), user.c_str(), kPassword.c_str(), "máy tính bảng",
                               nullptr, &err));
        REQUIRE(take_code(err).empty());
    }
    ~Phone() { ocop_db_close(db, nullptr); }

    json call(char* (*fn)(ocop_db*, size_t*, ocop_error**)) {
        size_t len = 0;
        ocop_error* err = nullptr;
        char* out = fn(db, &len, &err);
        INFO(take_code(err));
        return take_json(out, len);
    }
    json sync() {
        size_t len = 0;
        ocop_error* err = nullptr;
        char* out = ocop_db_sync(db, nullptr, nullptr, &len, &err);
        INFO(take_code(err));
        return take_json(out, len);
    }
    json write(const json& txn) {
        size_t len = 0;
        ocop_error* err = nullptr;
        char* out = ocop_db_write_json(db, txn.dump().c_str(), &len, &err);
        INFO(take_code(err));
        return take_json(out, len);
    }
    json get(const std::string& collection, const std::string& id) {
        size_t len = 0;
        ocop_error* err = nullptr;
        char* out = ocop_db_get_json(db, collection.c_str(), id.c_str(), &len, &err);
        INFO(take_code(err));
        return take_json(out, len);
    }
};

json inspection_txn(const std::string& unit, const std::string& site) {
    return {{"put",
             {{{"collection", "inspection"},
               {"fields",
                {{"kind", "tourism_site"},
                 {"site_name", site},
                 {"started_at", "2026-11-23T08:00:00+07:00"},
                 {"status", "draft"},
                 {"unit", unit}}}}}}};
}

void count_progress(void* ctx, const char* progress_json, size_t len) {
    auto* seen = static_cast<std::vector<json>*>(ctx);
    seen->push_back(json::parse(std::string(progress_json, len)));
}

}  // namespace

TEST_CASE("C ABI: offline inspection, sync with progress, a conflict chosen by index",
          "[c_abi][sync]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("doan.a1", {{"inspector", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    Phone phone1(p, "doan.a1"), phone2(p, "can.bo.a2");

    // Recorded offline, then synced with progress.
    const json written = phone1.write(inspection_txn(a, "Làng du lịch Mỹ Khánh"));
    const std::string id = written["ids"][0];
    std::vector<json> progress;
    size_t len = 0;
    ocop_error* err = nullptr;
    char* text = ocop_db_sync(phone1.db, count_progress, &progress, &len, &err);
    const json report = take_json(text, len);
    CHECK(take_code(err).empty());
    CHECK(report["complete"] == true);
    CHECK(report["pushed"] == 1);
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back()["pushed"] == 1);
    CHECK(p.server.store().read("inspection", id)->get("site_name") ==
          Value("Làng du lịch Mỹ Khánh"));

    // Both officers change the site's name; the second to arrive finds a conflict.
    REQUIRE(phone2.sync()["complete"] == true);
    phone1.write({{"put",
                   {{{"collection", "inspection"},
                     {"id", id},
                     {"fields", {{"site_name", "Làng du lịch Mỹ Khánh (cổng 1)"}}}}}}});
    phone2.write({{"put",
                   {{{"collection", "inspection"},
                     {"id", id},
                     {"fields", {{"site_name", "Làng du lịch Mỹ Khánh (cổng 2)"}}}}}}});
    REQUIRE(phone1.sync()["complete"] == true);
    REQUIRE(phone2.sync()["complete"] == true);
    REQUIRE(phone1.sync()["complete"] == true);
    const json conflicts = phone1.call(ocop_db_conflicts_json);
    REQUIRE(conflicts.size() == 1);
    const std::string conflict_id = conflicts[0]["id"];
    CHECK(conflicts[0]["fields"]["values"].size() == 2);

    // Not resolved yet, so not reopenable; an index out of range is refused by code.
    CHECK(ocop_db_reopen_conflict(phone1.db, conflict_id.c_str(), &err) == 0);
    CHECK(take_code(err) == errc::conflict_not_resolved);
    err = nullptr;
    CHECK(ocop_db_resolve_conflict_by_index(phone1.db, conflict_id.c_str(), 3, &err) == 0);
    CHECK(take_code(err) == errc::conflict_no_such_value);
    err = nullptr;
    CHECK(ocop_db_resolve_conflict_by_writer(phone1.db, conflict_id.c_str(), "can.bo.a2", &err) >
          0);
    CHECK(take_code(err).empty());
    REQUIRE(phone1.sync()["complete"] == true);
    CHECK(p.server.store().read("inspection", id)->get("site_name") ==
          Value("Làng du lịch Mỹ Khánh (cổng 2)"));
    CHECK(phone1.call(ocop_db_conflicts_json).empty());
}

TEST_CASE("C ABI: a refused changeset is fixed and resubmitted", "[c_abi][sync]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    p.user("can.bo.a", {{"commune_officer", a}});
    Phone phone(p, "can.bo.a");

    // Before its first sync the device does not know its grants: a record of the other commune
    // is accepted here and refused by the server.
    const json written = phone.write(inspection_txn(b, "Chợ nổi Cái Răng"));
    const std::string id = written["ids"][0];
    const json report = phone.sync();
    CHECK(report["refused"] == 1);
    const json refused = phone.call(ocop_db_refused_json);
    REQUIRE(refused.size() == 1);
    CHECK(refused[0]["code"] == errc::perm_unit_not_covered);
    CHECK_FALSE(refused[0]["message_vi"].get<std::string>().empty());
    const uint64_t seq = refused[0]["seq"];

    // Fixed: the record goes to the officer's own commune.
    ocop_error* err = nullptr;
    CHECK(ocop_db_resubmit_refused(phone.db, seq, "[1]", &err) == 0);
    CHECK(take_code(err) == errc::changeset_malformed);
    err = nullptr;
    const json fixes = {{id, {{"unit", a}}}};
    CHECK(ocop_db_resubmit_refused(phone.db, seq, fixes.dump().c_str(), &err) > 0);
    CHECK(take_code(err).empty());
    CHECK(phone.call(ocop_db_refused_json).empty());
    CHECK(phone.sync()["complete"] == true);
    CHECK(p.server.store().read("inspection", id)->get("unit") == Value(a));
    CHECK(p.server.store().read("inspection", id)->get("site_name") == Value("Chợ nổi Cái Răng"));
}

namespace {

struct JobWatch {
    // Set by the test thread once ocop_sync_start returns; the job's callback may run before.
    std::atomic<ocop_sync_job*> job{nullptr};
    std::atomic<int> progress{0};
    std::atomic<int> done{0};
    bool cancel_on_first_progress = false;
};

void job_progress(void* ctx, const char*, size_t) {
    auto* w = static_cast<JobWatch*>(ctx);
    if (w->progress.fetch_add(1) == 0 && w->cancel_on_first_progress) {
        ocop_sync_job* job = nullptr;
        while (!(job = w->job.load())) std::this_thread::yield();
        ocop_sync_job_cancel(job);  // from the job's own thread; any thread may
    }
}

void job_done(void* ctx, const char* report, size_t len) {
    auto* w = static_cast<JobWatch*>(ctx);
    // Counted only when the report is a JSON object (parse throws on anything else).
    if (json::parse(std::string(report, len)).is_object()) w->done.fetch_add(1);
}

}  // namespace

TEST_CASE("C ABI: a sync on the SDK's thread reports, and is cancelled from another thread",
          "[c_abi][sync][threads]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("can.bo.a", {{"commune_officer", a}});
    Phone phone(p, "can.bo.a");
    REQUIRE(phone.sync()["complete"] == true);

    // More changesets than one request carries (500): the run needs two pushes, and the first
    // progress report cancels it in between.
    for (int i = 0; i < 520; ++i) phone.write(inspection_txn(a, "Điểm bán " + std::to_string(i)));
    JobWatch cancelled;
    cancelled.cancel_on_first_progress = true;
    ocop_error* err = nullptr;
    cancelled.job = ocop_sync_start(phone.db, job_progress, job_done, &cancelled, &err);
    REQUIRE(cancelled.job.load());
    // While it runs a second start on the handle is refused.
    size_t len = 0;
    ocop_error* second_err = nullptr;
    ocop_sync_job* second = ocop_sync_start(phone.db, nullptr, nullptr, nullptr, &second_err);
    if (second) {  // the first had already finished: nothing to refuse
        ocop_sync_job_free(second);
    } else {
        CHECK(take_code(second_err) == errc::sdk_sync_running);
    }
    CHECK_FALSE(ocop_db_close(phone.db, &err));  // a job not yet freed holds the handle
    CHECK(take_code(err) == errc::sdk_handle_busy);
    err = nullptr;
    char* text = ocop_sync_job_wait(cancelled.job, &len, &err);
    const json report = take_json(text, len);
    ocop_sync_job_free(cancelled.job);
    CHECK(cancelled.done.load() == 1);
    CHECK(report["complete"] == false);
    CHECK(report["error"]["code"] == errc::sync_cancelled);
    CHECK(report["pushed"] == 500);
    CHECK(report["pending"] == 20);

    // Reads and writes go on while a job runs; the next job sends the rest.
    JobWatch finishing;
    finishing.job = ocop_sync_start(phone.db, job_progress, job_done, &finishing, &err);
    REQUIRE(finishing.job);
    const json extra = phone.write(inspection_txn(a, "Điểm bán thêm"));
    CHECK(phone.get("inspection", extra["ids"][0])["fields"]["site_name"] == "Điểm bán thêm");
    text = ocop_sync_job_wait(finishing.job, &len, &err);
    const json second_report = take_json(text, len);
    ocop_sync_job_free(finishing.job);
    CHECK(finishing.done.load() == 1);
    CHECK(finishing.progress.load() >= 1);
    if (second_report["complete"] != true) REQUIRE(phone.sync()["complete"] == true);
    CHECK(phone.call(ocop_db_status_json)["pending"] == 0);
    CHECK(p.records_of("inspection", a).size() >= 521);
}

namespace {

// The app's own HTTP stack, as a test sees it: forwards to the loopback server with Poco, or
// reports no answer while "down".
struct Forwarder {
    uint16_t port = 0;
    std::atomic<int> calls{0};
    std::atomic<bool> down{false};
    std::atomic<bool> saw_token{false};
};

void forward(void* ctx, const char* url, size_t url_len, const char* token, size_t token_len,
             const char* body, size_t body_len, ocop_http_response* response) {
    auto* f = static_cast<Forwarder*>(ctx);
    f->calls.fetch_add(1);
    if (f->down.load()) {
        ocop_http_response_fail(response, false, "airplane mode");
        return;
    }
    try {
        const std::string target(url, url_len);
        const size_t path_at = target.find('/', target.find("//") + 2);
        const std::string path = path_at == std::string::npos ? "/" : target.substr(path_at);
        std::map<std::string, std::string> headers;
        if (token_len > 0) {
            headers["Authorization"] = "Bearer " + std::string(token, token_len);
            f->saw_token.store(true);
        }
        const auto reply =
            server::test::post_json(f->port, path, std::string(body, body_len), headers);
        ocop_http_response_set(response, reply.status, reply.body.data(), reply.body.size());
    } catch (const std::exception& e) {  // nothing may cross back into the SDK
        ocop_http_response_fail(response, false, e.what());
    }
}

}  // namespace

TEST_CASE("C ABI: enrolment and sync through a transport the app supplies", "[c_abi][sync]") {
    Province p(600);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("can.bo.a", {{"commune_officer", a}});
    server::test::TempDir dir{"ocop-c-abi-host"};
    ocop_error* err = nullptr;
    ocop_db* db = ocop_db_open((dir.path() / "device.db").string().c_str(), &err);
    REQUIRE(db);
    Forwarder forwarder;
    forwarder.port = p.server.port();
    const ocop_transport host{forward, &forwarder};
    CHECK(ocop_db_set_transport(db, &host, &err));
    const ocop_transport no_post{nullptr, nullptr};
    CHECK_FALSE(ocop_db_set_transport(db, &no_post, &err));
    CHECK(take_code(err) == errc::sdk_bad_argument);
    err = nullptr;

    // The URL need not be one Poco could reach: only the app's transport uses it.
    const std::string url = "https://ocop.angiang.example";
    REQUIRE(ocop_db_enroll(db, url.c_str(), "can.bo.a", kPassword.c_str(), nullptr, nullptr, &err));
    CHECK(take_code(err).empty());
    CHECK(forwarder.calls.load() == 1);
    CHECK_FALSE(forwarder.saw_token.load());  // the login carries the password, no token

    size_t len = 0;
    char* text = ocop_db_write_json(db, inspection_txn(a, "Cồn Sơn").dump().c_str(), &len, &err);
    const std::string id = take_json(text, len)["ids"][0];
    text = ocop_db_sync(db, nullptr, nullptr, &len, &err);
    const json report = take_json(text, len);
    CHECK(report["complete"] == true);
    CHECK(report["pushed"] == 1);
    CHECK(forwarder.calls.load() >= 2);
    CHECK(forwarder.saw_token.load());
    CHECK(p.server.store().read("inspection", id)->get("site_name") == Value("Cồn Sơn"));
    text = ocop_db_status_json(db, &len, &err);
    CHECK(take_json(text, len)["server"] == url);

    // No answer: the run ends with the transport's failure, transient, and keeps the work.
    forwarder.down.store(true);
    text = ocop_db_write_json(db, inspection_txn(a, "Cồn Sơn 2").dump().c_str(), &len, &err);
    ocop_string_free(text);
    text = ocop_db_sync(db, nullptr, nullptr, &len, &err);
    const json offline = take_json(text, len);
    CHECK(offline["complete"] == false);
    CHECK(offline["error"]["code"] == errc::sync_no_connection);
    CHECK(offline["error"]["transient"] == true);
    CHECK(offline["pending"] == 1);
    CHECK(ocop_db_close(db, &err));
}
