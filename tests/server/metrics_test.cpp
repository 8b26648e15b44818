// GET /metrics against a live server: the answer is valid Prometheus text (a small parser here
// checks HELP/TYPE before samples, counters ending _total, cumulative histogram buckets), the
// counters move by exactly what a known series of syncs did (a conflict opened and resolved, a
// refusal, a duplicate, an unknown token), and who may read it (loopback, or the metrics token).
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "live_server_fixture.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/server/metrics.hpp"
#include "ocop/sync/conflict_recorder.hpp"

using namespace ocop;
using namespace ocop::server;
using namespace ocop::server::test;
using nlohmann::json;

namespace {

// A parsed exposition: every sample by its name and labels as written (`name{a="x",b="y"}`).
struct Exposition {
    std::map<std::string, std::string> types;  // family -> counter, gauge, histogram
    std::map<std::string, double> samples;
    double at(const std::string& key) const {
        const auto it = samples.find(key);
        INFO("no sample " << key);
        REQUIRE(it != samples.end());
        return it->second;
    }
    double value_or_zero(const std::string& key) const {
        const auto it = samples.find(key);
        return it == samples.end() ? 0 : it->second;
    }
};

// The family a sample belongs to: histograms write name_bucket, name_sum and name_count.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.ends_with(s)) {
            const std::string base = name.substr(0, name.size() - s.size());
            const auto it = types.find(base);
            if (it != types.end() && it->second == "histogram") return base;
        }
    }
    return name;
}

// Parses the text format, version 0.0.4, failing the test on anything malformed.
Exposition parse_exposition(const std::string& text) {
    Exposition out;
    std::set<std::string> helped;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        INFO("line: " << line);
        REQUIRE(!line.empty());
        if (line.starts_with("# HELP ")) {
            const std::string rest = line.substr(7);
            const auto space = rest.find(' ');
            REQUIRE(space != std::string::npos);
            helped.insert(rest.substr(0, space));
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            std::istringstream words(line.substr(7));
            std::string name, type;
            words >> name >> type;
            REQUIRE((type == "counter" || type == "gauge" || type == "histogram"));
            REQUIRE(helped.count(name));  // HELP comes first
            REQUIRE(!out.types.count(name));
            if (type == "counter") CHECK(name.ends_with("_total"));
            out.types[name] = type;
            continue;
        }
        REQUIRE(line[0] != '#');
        // name, optional {labels}, a space, the value.
        size_t i = 0;
        while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) ||
                                   line[i] == '_' || line[i] == ':'))
            ++i;
        const std::string name = line.substr(0, i);
        REQUIRE(!name.empty());
        std::string key = name;
        if (i < line.size() && line[i] == '{') {
            const size_t start = i;
            bool quoted = false;
            for (++i; i < line.size(); ++i) {
                if (quoted && line[i] == '\\') {
                    ++i;
                    continue;
                }
                if (line[i] == '"') quoted = !quoted;
                if (!quoted && line[i] == '}') break;
            }
            REQUIRE(i < line.size());
            key += line.substr(start, i - start + 1);
            ++i;
        }
        REQUIRE(i < line.size());
        REQUIRE(line[i] == ' ');
        const std::string value = line.substr(i + 1);
        double v = 0;
        if (value == "+Inf")
            v = INFINITY;
        else {
            size_t used = 0;
            v = std::stod(value, &used);
            REQUIRE(used == value.size());
        }
        REQUIRE(out.types.count(family_of(name, out.types)));  // TYPE comes before samples
        REQUIRE(!out.samples.count(key));
        out.samples[key] = v;
    }
    return out;
}

// The histogram's buckets never decrease and the +Inf bucket is the count.
void check_histogram(const Exposition& e, const std::string& name) {
    REQUIRE(e.types.at(name) == "histogram");
    double previous = 0;
    for (double bound : Metrics::sync_duration_buckets) {
        char le[32];
        std::snprintf(le, sizeof le, "%g", bound);
        const double n = e.at(name + "_bucket{le=\"" + le + "\"}");
        CHECK(n >= previous);
        previous = n;
    }
    const double inf = e.at(name + "_bucket{le=\"+Inf\"}");
    CHECK(inf >= previous);
    CHECK(inf == e.at(name + "_count"));
    CHECK(e.at(name + "_sum") >= 0);
}

Call scrape_call(std::map<std::string, std::string> headers = {}) {
    return Call{Poco::Net::HTTPRequest::HTTP_GET, "/metrics", std::nullopt, std::move(headers),
                std::nullopt};
}

Reply scrape(uint16_t port, std::map<std::string, std::string> headers = {}) {
    return http(port, scrape_call(std::move(headers)));
}

// Over one keep-alive connection, whose requests one server thread handles in turn: a request
// is counted after its answer went out, so only a later request on the same connection is sure
// to see it counted.
Exposition metrics_of(Poco::Net::HTTPClientSession& session) {
    const Reply r = http(session, scrape_call());
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
    return parse_exposition(r.body);
}

sync::SyncRequest request_of(const std::string& replica, std::vector<Changeset> changesets,
                             bool pull) {
    sync::SyncRequest req;
    req.replica = replica;
    req.schema_version = builtin_schema().version();
    req.app_version = "tests/0.1.0";
    req.hlc = Hlc{system_physical_clock()(), 0};
    req.changesets = std::move(changesets);
    if (pull) req.pull = sync::PullRequest{0, 0, 0};
    return req;
}

Changeset changeset(const std::string& replica, uint64_t seq, int64_t wall_ms,
                    std::vector<RecordChange> records) {
    Changeset cs;
    cs.replica = replica;
    cs.seq = seq;
    cs.schema_version = builtin_schema().version();
    cs.hlc = Hlc{wall_ms, 0};
    cs.records = std::move(records);
    return cs;
}

RecordChange inspection(const std::string& id, const std::string& unit, const std::string& site) {
    return RecordChange{"inspection",
                        id,
                        {{"kind", "production_facility", std::nullopt},
                         {"site_name", site, std::nullopt},
                         {"started_at", "2026-11-23T08:00:00+07:00", std::nullopt},
                         {"status", "draft", std::nullopt},
                         {"unit", unit, std::nullopt}}};
}

}  // namespace

TEST_CASE("metrics: the text parses and counters move by exactly what the syncs did", "[metrics]") {
    LiveServer live;
    domain::DemoOptions demo_options;
    demo_options.size = 80;
    const auto demo = live.server.seed_demo_province(demo_options);
    REQUIRE(demo);
    REQUIRE(demo->current_communes.size() >= 2);
    const std::string commune = demo->current_communes[0];
    const std::string other_commune = demo->current_communes[1];
    live.server.accounts().add_grant(kUser, {"commune_officer", commune});
    const std::string token_b = live.login_token("phone-b");

    const auto session = make_session(live.port);
    const Exposition before = metrics_of(*session);
    check_histogram(before, "ocop_sync_duration_seconds");
    CHECK(before.at("ocop_devices_enrolled") == 2);
    CHECK(before.at("ocop_devices_seen_last_day") == 2);

    const int64_t now = system_physical_clock()();
    const std::string record = live.ids.next(now);
    uint64_t sent_in = 0, sent_out = 0;
    auto sync_as = [&](const std::string& token, const sync::SyncRequest& req) {
        const std::string body = sync::wire::encode(req);
        const Reply r =
            http(*session,
                 Call{Poco::Net::HTTPRequest::HTTP_POST,
                      "/v1/sync",
                      body,
                      {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                      std::nullopt});
        REQUIRE(r.keep_alive);
        REQUIRE(r.status == 200);
        sent_in += body.size();
        sent_out += r.body.size();
        return sync::wire::decode_response(r.body);
    };

    // Device A creates an inspection (5 fields) and pulls.
    const Changeset a1 = changeset("phone-live", 1, now, {inspection(record, commune, "HTX A")});
    const sync::SyncResponse first = sync_as(live.token, request_of("phone-live", {a1}, true));
    REQUIRE(first.results.size() == 1);
    REQUIRE(first.results[0].outcome == sync::Outcome::applied);
    REQUIRE(first.pull);
    const size_t pulled = first.pull->cells.size();
    CHECK(pulled > 0);

    // Device B, which never saw A's value, sets the same field (a conflict is opened), then
    // writes an inspection of a commune its user does not cover (refused).
    const Changeset b1 =
        changeset("phone-b", 1, now + 10,
                  {RecordChange{"inspection", record, {{"site_name", "HTX B", std::nullopt}}}});
    const Changeset b2 =
        changeset("phone-b", 2, now + 20, {inspection(live.ids.next(now), other_commune, "HTX C")});
    const sync::SyncResponse second = sync_as(token_b, request_of("phone-b", {b1, b2}, false));
    REQUIRE(second.results.size() == 2);
    CHECK(second.results[0].outcome == sync::Outcome::applied);
    CHECK(second.results[1].outcome == sync::Outcome::refused);
    CHECK(second.results[1].code == errc::perm_unit_not_covered);
    const std::string conflict =
        sync::ConflictRecorder::conflict_id("inspection", record, "site_name");
    const auto opened = live.server.store().read(sync::conflict_collection, conflict);
    REQUIRE(opened);
    REQUIRE(opened->get("status") == "open");

    // Device A re-sends its first changeset (a duplicate) and resolves the conflict (5 fields).
    const Changeset a2 = changeset(
        "phone-live", 2, now + 60'000,
        {RecordChange{sync::conflict_collection,
                      conflict,
                      {{"status", "resolved", std::nullopt},
                       {"resolved_by", kUser, std::nullopt},
                       {"resolved_at", sync::iso_utc(now + 60'000), std::nullopt},
                       {"resolved_value", "HTX B", std::nullopt},
                       {"resolved_choice", json{{"index", 2}, {"writer", kUser}}, std::nullopt}}}});
    const sync::SyncResponse third = sync_as(live.token, request_of("phone-live", {a1, a2}, false));
    REQUIRE(third.results.size() == 2);
    CHECK(third.results[0].duplicate);
    INFO("resolution: " << third.results[1].code << " " << third.results[1].message);
    REQUIRE(third.results[1].outcome == sync::Outcome::applied);
    REQUIRE(live.server.store().read(sync::conflict_collection, conflict)->get("status") ==
            "resolved");

    // An unknown token: a 401 JSON error, no body read.
    const Reply refused = http(*session, Call{Poco::Net::HTTPRequest::HTTP_POST,
                                              "/v1/sync",
                                              std::string(),
                                              {{"Authorization", "Bearer not-a-token"}},
                                              std::nullopt});
    REQUIRE(refused.status == 401);
    REQUIRE(refused.keep_alive);
    sent_out += refused.body.size();
    // A path no route has.
    const Reply missing = http(
        *session,
        Call{Poco::Net::HTTPRequest::HTTP_GET, "/no/such/path", std::nullopt, {}, std::nullopt});
    REQUIRE(missing.status == 404);
    REQUIRE(missing.keep_alive);

    const Exposition after = metrics_of(*session);
    check_histogram(after, "ocop_sync_duration_seconds");
    const auto delta = [&](const std::string& key) {
        return after.value_or_zero(key) - before.value_or_zero(key);
    };
    CHECK(delta("ocop_sync_changesets_total{outcome=\"applied\"}") == 3);
    CHECK(delta("ocop_sync_changesets_total{outcome=\"refused\"}") == 1);
    CHECK(delta("ocop_sync_changesets_total{outcome=\"duplicate\"}") == 1);
    CHECK(delta("ocop_sync_refusals_total{code=\"perm.unit_not_covered\"}") == 1);
    CHECK(delta("ocop_sync_changes_applied_total") == 5 + 1 + 5);
    CHECK(delta("ocop_sync_changes_superseded_total") == 0);
    CHECK(delta("ocop_sync_cells_pulled_total") == static_cast<double>(pulled));
    CHECK(delta("ocop_conflicts_opened_total") == 1);
    CHECK(delta("ocop_conflicts_resolved_total") == 1);
    CHECK(delta("ocop_conflicts_reopened_total") == 0);
    CHECK(delta("ocop_http_requests_total{route=\"/v1/sync\",status=\"200\"}") == 3);
    CHECK(delta("ocop_http_requests_total{route=\"/v1/sync\",status=\"401\"}") == 1);
    CHECK(delta("ocop_http_requests_total{route=\"other\",status=\"404\"}") == 1);
    // The scrape that gave `before` was counted after it answered.
    CHECK(delta("ocop_http_requests_total{route=\"/metrics\",status=\"200\"}") == 1);
    CHECK(delta("ocop_http_error_answers_total{code=\"auth.invalid_token\"}") == 1);
    CHECK(delta("ocop_http_error_answers_total{code=\"http.not_found\"}") == 1);
    CHECK(delta("ocop_http_received_bytes_total{route=\"/v1/sync\"}") ==
          static_cast<double>(sent_in));
    CHECK(delta("ocop_http_sent_bytes_total{route=\"/v1/sync\"}") == static_cast<double>(sent_out));
    CHECK(delta("ocop_sync_duration_seconds_count") == 4);
    CHECK(delta("ocop_sync_duration_seconds_sum") > 0);
    CHECK(after.at("ocop_devices_seen_last_day") == 2);
    CHECK(after.at("ocop_store_head") == static_cast<double>(live.server.store().head()));
    REQUIRE(live.server.sync_work());
    CHECK(after.at("ocop_sync_work_slots") ==
          static_cast<double>(live.server.sync_work()->slots()));
    CHECK(after.at("ocop_sync_work_slots") >= 1);
    CHECK(after.at("ocop_syncs_waiting_for_turn") == 0);  // no sync in flight while scraped
    for (const char* file : {"ocop.db", "accounts.db", "audit.db"})
        CHECK(after.at(std::string("ocop_database_size_bytes{file=\"") + file + "\"}") > 0);
}

TEST_CASE("metrics: a device that has not been seen for a day is not counted", "[metrics]") {
    auto now = std::make_shared<int64_t>(system_physical_clock()());
    LiveServer live([&](ServerOptions& o) { o.accounts_clock = [now] { return *now; }; });
    const auto session = make_session(live.port);
    CHECK(metrics_of(*session).at("ocop_devices_seen_last_day") == 1);
    *now += 25LL * 3600 * 1000;
    const Exposition e = metrics_of(*session);
    CHECK(e.at("ocop_devices_seen_last_day") == 0);
    CHECK(e.at("ocop_devices_enrolled") == 1);
}

TEST_CASE("metrics: without a token only unforwarded loopback requests may read", "[metrics]") {
    LiveServer live;
    const auto session = make_session(live.port);
    CHECK(http(*session, scrape_call()).status == 200);
    // What a reverse proxy on the same host sends is not a loopback client.
    for (const char* header : {"X-Forwarded-For", "Forwarded", "X-Real-IP"}) {
        const Reply r =
            http(*session, scrape_call({{header, "203.0.113.7"}, {"X-Request-Id", "scrape-1"}}));
        INFO(header);
        CHECK(r.status == 401);
        CHECK(r.header("content-type") == "application/json");
        CHECK(r.error_code() == errc::auth_missing_token);
        CHECK(r.json()["error"]["request_id"] == "scrape-1");
        CHECK(r.body.find("ocop_") == std::string::npos);
        CHECK(r.keep_alive);
    }
    REQUIRE(http(*session, Call{}).status == 404);  // the refusals before it are counted now
    CHECK(live.server.metrics().render({}).find("ocop_http_error_answers_total{code=\"auth."
                                                "missing_token\"} 3") != std::string::npos);
}

TEST_CASE("metrics: with a token configured every request must carry it", "[metrics]") {
    TempDir secrets{"ocop-metrics-token"};
    const auto token_file = secrets.path() / "metrics.token";
    std::ofstream(token_file) << "  s3cret-metrics-token-0123456789  \n";
    LiveServer live([&](ServerOptions& o) { o.metrics_token_file = token_file.string(); });

    const Reply none = scrape(live.port);
    CHECK(none.status == 401);
    CHECK(none.error_code() == errc::auth_missing_token);
    CHECK(none.header("www-authenticate") == "Bearer");
    CHECK(!none.json()["error"]["request_id"].get<std::string>().empty());
    const Reply wrong = scrape(live.port, {{"Authorization", "Bearer s3cret-metrics-token-0"}});
    CHECK(wrong.status == 401);
    CHECK(wrong.error_code() == errc::auth_invalid_token);
    // A device token is not the metrics token.
    CHECK(scrape(live.port, {{"Authorization", "Bearer " + live.token}}).status == 401);
    const Reply right =
        scrape(live.port, {{"Authorization", "Bearer s3cret-metrics-token-0123456789"}});
    CHECK(right.status == 200);
    CHECK(parse_exposition(right.body).at("ocop_devices_enrolled") == 1);
}

TEST_CASE("metrics: a short or missing token file stops the start", "[metrics]") {
    TempDir secrets{"ocop-metrics-token"};
    const auto short_file = secrets.path() / "short.token";
    std::ofstream(short_file) << "abc\n";
    for (const auto& file : {short_file, secrets.path() / "missing.token"}) {
        TempDir dir{"ocop-metrics-server"};
        ServerOptions o = live_options(dir.path() / "data");
        o.metrics_token_file = file.string();
        Server server(o);
        CHECK_THROWS_AS(server.start(), Poco::InvalidArgumentException);
    }
}

TEST_CASE("metrics: label values are bounded and escaped", "[metrics]") {
    CHECK(metric_code_label(errc::perm_unit_not_covered) == "perm.unit_not_covered");
    CHECK(metric_code_label("made.up_code") == "other");
    CHECK(metric_code_label("") == "other");
    Metrics m;
    m.count_error_answer("made.up_code");
    m.count_error_answer("another.one");
    m.count_request("/v1/sync", 200, 10, 20, 0.003);
    m.count_request("/v1/sync", 200, 10, 20, 0.2);
    m.count_request("/v1/sync", 503, 0, 5, 99.0);
    m.count_request("a\"b\\c\nd", 200, 1, 1, 0);
    MetricGauges g;
    g.database_bytes = {{"ocop.db", 4096}};
    const std::string text = m.render(g);
    const Exposition e = parse_exposition(text);
    CHECK(e.at("ocop_http_error_answers_total{code=\"other\"}") == 2);
    CHECK(e.at("ocop_http_requests_total{route=\"/v1/sync\",status=\"200\"}") == 2);
    CHECK(e.at("ocop_http_requests_total{route=\"a\\\"b\\\\c\\nd\",status=\"200\"}") == 1);
    CHECK(e.at("ocop_sync_duration_seconds_bucket{le=\"0.005\"}") == 1);
    CHECK(e.at("ocop_sync_duration_seconds_bucket{le=\"0.25\"}") == 2);
    CHECK(e.at("ocop_sync_duration_seconds_bucket{le=\"60\"}") == 2);
    CHECK(e.at("ocop_sync_duration_seconds_bucket{le=\"+Inf\"}") == 3);
    CHECK(e.at("ocop_sync_duration_seconds_sum") == Approx(99.203));
    CHECK(e.at("ocop_http_sent_bytes_total{route=\"/v1/sync\"}") == 45);
    CHECK(e.at("ocop_database_size_bytes{file=\"ocop.db\"}") == 4096);
    check_histogram(e, "ocop_sync_duration_seconds");
}
