// The world the desk's tests look at: a real Server on a loopback port with the demo province,
// its users `demo` (every role on the province) and `demo.xa` (one commune), a second commune's
// records to stay hidden from demo.xa, and an open conflict in each of the two communes (two
// devices of `demo` renamed the same product without seeing each other's name, pushed over
// POST /v1/sync). No Catch2 here: ocop-desk-fixture (the browser test's server) uses it too.
#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/server/demo_accounts.hpp"
#include "ocop/server/server.hpp"
#include "ocop/sync/conflict_recorder.hpp"
#include "ocop/sync/wire.hpp"

namespace ocop::server::desk_test {

inline std::vector<FieldFilter> where(const char* field, const std::string& value) {
    return {FieldFilter{field, Value(value)}};
}

struct DeskWorld {
    std::string province;
    std::string commune;  // demo.xa's
    std::string commune_name;
    std::string other_commune;  // another commune in force, with products
    std::string product;        // in `commune`, in conflict
    std::string other_product;  // in `other_commune`, in conflict
    std::string conflict;       // about `product`'s name
    std::string other_conflict;
};

inline std::string post(uint16_t port, const std::string& path, const std::string& body,
                        const std::string& token = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    if (!token.empty()) req.set("Authorization", "Bearer " + token);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::string answer;
    Poco::StreamCopier::copyToString(session.receiveResponse(resp), answer);
    if (resp.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
        throw std::runtime_error(path + " answered " + std::to_string(resp.getStatus()) + ": " +
                                 answer);
    return answer;
}

// One device of `user` renames `product`, having seen the name as `base`.
inline void rename_from(Server& server, const std::string& user, const std::string& password,
                        const std::string& replica, const std::string& product,
                        const std::string& name, const Stamp& base) {
    const auto login = nlohmann::json::parse(post(
        server.port(), "/v1/login",
        nlohmann::json{
            {"user", user}, {"password", password}, {"replica", replica}, {"device_name", replica}}
            .dump()));
    const auto now = system_physical_clock()();
    Changeset cs;
    cs.replica = replica;
    cs.seq = server.store().last_applied(replica) + 1;
    cs.schema_version = builtin_schema().version();
    cs.hlc = Hlc{now, 0};
    cs.records.push_back({"product", product, {{"name", name, base}}});
    sync::SyncRequest req;
    req.replica = replica;
    req.schema_version = cs.schema_version;
    req.app_version = "desk-tests/0.1";
    req.hlc = cs.hlc;
    req.changesets.push_back(cs);
    const auto answer = sync::wire::decode_response(post(
        server.port(), "/v1/sync", sync::wire::encode(req), login["token"].get<std::string>()));
    if (answer.results.size() != 1 || answer.results[0].outcome != sync::Outcome::applied)
        throw std::runtime_error("the rename of " + product + " was not applied: " +
                                 (answer.results.empty() ? "" : answer.results[0].message));
}

// Two devices rename `product` from the same name: the second opens a conflict.
inline std::string make_conflict(Server& server, const std::string& product,
                                 const std::string& tag) {
    const auto rec = server.store().read("product", product);
    if (!rec) throw std::runtime_error("no product " + product);
    const Stamp base = rec->fields.at("name").stamp;
    const std::string name = rec->get("name").get<std::string>();
    rename_from(server, demo_user, demo_password, "fx-" + tag + "-a", product, name + " (bản A)",
                base);
    rename_from(server, demo_user, demo_password, "fx-" + tag + "-b", product, name + " (bản B)",
                base);
    return sync::ConflictRecorder::conflict_id("product", product, "name");
}

// Seeds the demo province (`size` records) into a started server with no data yet.
inline DeskWorld make_desk_world(Server& server, size_t size) {
    domain::DemoOptions options;
    options.size = size;
    if (!server.seed_demo_province(options)) throw std::runtime_error("the store is not empty");
    const DemoAccounts accounts = ensure_demo_accounts(server);
    DeskWorld w;
    w.province = accounts.province;
    w.commune = accounts.commune;
    w.commune_name = accounts.commune_name;
    for (const auto& p : server.store().query("product", where("unit", w.commune), 1, {}))
        w.product = p.id;
    for (const auto& unit :
         server.store().query("admin_unit", where("level", "commune"), 10000, {})) {
        if (unit.id == w.commune || !unit.get("valid_to").is_null()) continue;
        const auto products = server.store().query("product", where("unit", unit.id), 1, {});
        if (products.empty()) continue;
        w.other_commune = unit.id;
        w.other_product = products.front().id;
        break;
    }
    if (w.product.empty() || w.other_product.empty())
        throw std::runtime_error("the demo province is too small for the desk's world");
    w.conflict = make_conflict(server, w.product, "own");
    w.other_conflict = make_conflict(server, w.other_product, "other");
    return w;
}

}  // namespace ocop::server::desk_test
