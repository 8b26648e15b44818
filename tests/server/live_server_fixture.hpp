// A real Server on an ephemeral loopback port with the production limits, threads and budgets
// (only the slow-link times are shortened where a test says so), one user with a device token,
// and an honest sync to show the server still serves its devices.
#pragma once

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/uuid.hpp"
#include "ocop/server/server.hpp"
#include "ocop/sync/wire.hpp"
#include "server_test_support.hpp"

namespace ocop::server::test {

inline ServerOptions live_options(const std::filesystem::path& data) {
    ServerOptions o;
    o.data_dir = data.string();
    o.listen = "127.0.0.1";
    o.plain_http = true;  // loopback; HTTPS is tested end to end in tests/e2e
    o.port = 0;
    o.pbkdf2_iterations = kTestIterations;
    return o;
}

inline const std::string kUser = "can.bo.xa";
inline const std::string kPassword = "mat-khau-xa-2026";

struct LiveServer {
    TempDir dir{"ocop-live-server"};
    Server server;
    uint16_t port = 0;
    std::string token;
    UuidV7Generator ids{7};

    explicit LiveServer(const std::function<void(ServerOptions&)>& adjust = {})
        : server([&] {
              ServerOptions o = live_options(dir.path() / "data");
              if (adjust) adjust(o);
              return o;
          }()) {
        server.accounts().add_user(kUser, kPassword);
        server.start();
        port = server.port();
        token = login_token("phone-live");
    }

    std::string login_body(const std::string& replica) const {
        return nlohmann::json{{"user", kUser},
                              {"password", kPassword},
                              {"replica", replica},
                              {"device_name", "test"},
                              {"app_version", "tests/0.1.0"}}
            .dump();
    }
    std::string login_token(const std::string& replica) {
        const Reply r = post_json(port, "/v1/login", login_body(replica));
        REQUIRE(r.status == 200);
        return r.json()["token"].get<std::string>();
    }
    std::map<std::string, std::string> bearer() const {
        return {{"Authorization", "Bearer " + token}};
    }

    // A sync request of the enrolled device pushing one new province (`seq` must grow) and
    // pulling; the user is granted the province first, as an administrator would be.
    std::string honest_sync_body(uint64_t seq) {
        const std::string id = ids.next(system_physical_clock()());
        server.accounts().add_grant(kUser, {"administrator", id});
        Changeset cs;
        cs.replica = "phone-live";
        cs.seq = seq;
        cs.schema_version = builtin_schema().version();
        cs.hlc = Hlc{system_physical_clock()(), 0};
        cs.records.push_back(RecordChange{"admin_unit",
                                          id,
                                          {{"code", "89", std::nullopt},
                                           {"name", "Tỉnh An Giang", std::nullopt},
                                           {"level", "province", std::nullopt},
                                           {"valid_from", "2025-07-01", std::nullopt}}});
        sync::SyncRequest req;
        req.replica = "phone-live";
        req.schema_version = builtin_schema().version();
        req.app_version = "tests/0.1.0";
        req.hlc = Hlc{system_physical_clock()(), 0};
        req.changesets.push_back(cs);
        req.pull = sync::PullRequest{0, 0, 0};
        return sync::wire::encode(req);
    }
    Reply honest_sync(uint64_t seq) {
        return post_json(port, "/v1/sync", honest_sync_body(seq), bearer());
    }
};

}  // namespace ocop::server::test
