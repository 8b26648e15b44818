// A province on a real server (ocop::server::Server, plain HTTP on the loopback, the demo province
// seeded small) and field devices that talk to it over HTTP. A RawDevice has no permission rule
// of its own, like a tampered app, so that what it sends reaches the server and the server's
// checks are what the tests see; every answer body it receives is kept to inspect the wire.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../server/server_test_support.hpp"
#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/local_replica.hpp"
#include "ocop/core/sqlite_store.hpp"
#include "ocop/domain/permissions.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/server/server.hpp"
#include "ocop/sync/http_transport.hpp"
#include "ocop/sync/sync_client.hpp"
#include "ocop/sync/wire.hpp"
#include "test_backend.hpp"

namespace ocop::trust::test {

using server::test::TempDir;

inline const std::string kPassword = "mat-khau-thu-2026";

// A draft inspection of `unit` at `site`.
inline FieldValues draft_inspection(const std::string& unit, const std::string& site) {
    return {{"kind", "production_facility"},
            {"site_name", site},
            {"started_at", "2026-11-23T08:00:00+07:00"},
            {"status", "draft"},
            {"unit", unit}};
}

// The id of the device `user` enrolled (the first one), empty when none.
inline std::string device_id_of(server::Server& server, const std::string& user) {
    for (const auto& d : server.accounts().devices())
        if (d.user == user) return d.id;
    return {};
}

// The open conflict of `db` on `record_id`.
inline std::optional<Record> conflict_on(sdk::Database& db, const std::string& record_id) {
    for (auto& c : db.conflicts())
        if (c.get("record_id") == Value(record_id)) return c;
    return std::nullopt;
}

// Keeps every answer the device received, decoded, to check what crossed the wire.
class RecordingTransport final : public sync::Transport {
  public:
    explicit RecordingTransport(const std::string& url) : http_(url) {}
    sync::HttpReply post(const std::string& path, const std::string& body,
                         const std::string& token) override {
        sync::HttpReply reply = http_.post(path, body, token);
        if (reply.status == 200) answers.push_back(sync::wire::decode_response(reply.body));
        return reply;
    }
    std::vector<sync::SyncResponse> answers;

  private:
    sync::HttpTransport http_;
};

struct RawDevice {
    RawDevice(const std::string& url, const std::string& user, const std::string& replica_id,
              uint16_t port)
        : store(":memory:"),
          replica(store, builtin_schema(), system_physical_clock(), replica_id),
          transport(url) {
        const auto reply = server::test::post_json(port, "/v1/login",
                                                   nlohmann::json{{"user", user},
                                                                  {"password", kPassword},
                                                                  {"replica", replica_id},
                                                                  {"device_name", replica_id},
                                                                  {"app_version", "trust-tests/1"}}
                                                       .dump());
        INFO("login: " << reply.body);
        REQUIRE(reply.status == 200);
        token = reply.json()["token"].get<std::string>();
    }

    sync::SyncReport sync(sync::SyncOptions options = {}) {
        options.sleep = [](std::chrono::milliseconds) {};
        options.max_attempts = 1;
        options.on_new_token = [this](const std::string& t) { token = t; };
        options.scope = &domain::builtin_scope_policy();
        sync::SyncClient client(replica, transport, token, options);
        return client.run();
    }
    uint64_t put(const std::string& collection, const std::string& id, const FieldValues& f) {
        LocalTransaction t;
        t.put(collection, id, f);
        return replica.commit(t).seq;
    }

    SqliteStore store;
    LocalReplica replica;
    RecordingTransport transport;
    std::string token;
};

struct Province {
    TempDir dir{"ocop-trust"};
    // The accounts' clock, moved by hand to age tokens.
    std::shared_ptr<int64_t> accounts_now = std::make_shared<int64_t>(system_physical_clock()());
    server::Server server{[&] {
        server::ServerOptions o;
        o.data_dir = (dir.path() / "data").string();
        if (const auto url = ocop::test::test_pg_url()) {  // the run's backend: test_backend.hpp
            o.database = *url;
            o.database_schema = ocop::test::fresh_pg_schema();
        }
        o.listen = "127.0.0.1";
        o.plain_http = true;
        o.port = 0;
        o.pbkdf2_iterations = server::test::kTestIterations;
        o.max_threads = 4;
        o.accounts_clock = [now = accounts_now] { return *now; };
        return o;
    }()};
    domain::DemoReport demo;
    std::string url;

    explicit Province(size_t records = 1200) {
        domain::DemoOptions options;
        options.size = records;
        demo = *server.seed_demo_province(options);
        server.start();
        url = "http://127.0.0.1:" + std::to_string(server.port());
    }

    void user(const std::string& name, const std::vector<sync::Grant>& grants) {
        server.accounts().add_user(name, kPassword);
        for (const auto& g : grants) server.accounts().add_grant(name, g);
    }

    // Ids of the records of `collection` whose unit is `unit`.
    std::vector<std::string> records_of(const std::string& collection, const std::string& unit) {
        std::vector<std::string> out;
        for (const auto& r :
             server.store().query(collection, {FieldFilter{"unit", unit}}, 100000, {}))
            out.push_back(r.id);
        return out;
    }

    // The current commune with the most records, and another one.
    std::pair<std::string, std::string> two_communes() {
        std::map<std::string, size_t> count;
        for (const auto& c : demo.current_communes)
            for (const auto& coll : domain::PermissionTable::builtin().unit_scoped_collections())
                count[c] += records_of(coll, c).size();
        std::string busiest = demo.current_communes.front();
        for (const auto& [c, n] : count)
            if (n > count[busiest]) busiest = c;
        std::string other;
        for (const auto& [c, n] : count)
            if (c != busiest && (other.empty() || n > count[other])) other = c;
        return {busiest, other};
    }
};

}  // namespace ocop::trust::test
