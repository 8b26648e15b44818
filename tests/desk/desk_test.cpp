// The desk (web dashboard) over real HTTP: sessions and their cookie, CSRF, the login throttle,
// conflict resolution as an audited changeset, exports, and isolation: a commune officer never
// sees another commune's record by page, search, export or a guessed URL.
#include <Poco/URI.h>

#include <catch2/catch.hpp>

#include "desk_client.hpp"
#include "desk_world.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/server/dashboard/desk_context.hpp"

using namespace ocop;
using namespace ocop::server;
using namespace ocop::server::desk_test;

namespace {

// 1,500 records: about 50 units and a few hundred products, inspections and certificates.
constexpr size_t world_size = 3000;

struct DeskServer {
    test::TempDir dir{"ocop-desk"};
    Server server;
    DeskWorld world;

    DeskServer()
        : server([&] {
              ServerOptions o;
              o.data_dir = (dir.path() / "data").string();
              o.listen = "127.0.0.1";
              o.plain_http = true;
              o.port = 0;
              o.pbkdf2_iterations = test::kTestIterations;
              return o;
          }()) {
        server.start();
        world = make_desk_world(server, world_size);
    }
    DeskClient client() const { return DeskClient{server.port(), {}, {}}; }
    DeskClient logged_in(const std::string& user) {
        DeskClient c = client();
        const Reply r = c.login(user, demo_password);
        REQUIRE(r.status == 303);
        REQUIRE(!c.csrf.empty());
        return c;
    }
    std::string unit_of(std::string_view collection, const std::string& id) {
        const auto r = server.store().read(collection, id);
        return r && r->get("unit").is_string() ? r->get("unit").get<std::string>() : "";
    }
};

const std::pair<const char*, const char*> scoped_lists[] = {
    {"products", "product"},       {"certificates", "certificate"}, {"evaluations", "evaluation"},
    {"inspections", "inspection"}, {"conflicts", "conflict"},       {"progress", "ocop_target"}};

}  // namespace

TEST_CASE("desk: a session cookie is HttpOnly and SameSite=Strict; pages need it", "[desk]") {
    DeskServer s;
    DeskClient anon = s.client();
    const Reply page = anon.get("/desk/products");
    CHECK(page.status == 303);
    CHECK(page.header("location") == "/desk/login");
    const Reply download = anon.get("/desk/export?list=products&format=csv");
    CHECK(download.status == 401);
    CHECK(download.error_code() == errc::desk_login_required);

    DeskClient c = s.client();
    const Reply login = c.login(demo_user, demo_password);
    REQUIRE(login.status == 303);
    const std::string cookie = login.header("set-cookie");
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    CHECK(cookie.find("Secure") == std::string::npos);  // plain HTTP on loopback
    CHECK(c.get("/desk/products").status == 200);

    // Logout needs the token too; afterwards the cookie is worth nothing.
    CHECK(c.post("/desk/logout", "csrf=wrong").status == 403);
    CHECK(c.post("/desk/logout", "csrf=" + c.csrf).status == 303);
    CHECK(c.get("/desk/products").status == 303);
}

TEST_CASE("desk: a revoked desk device ends the session at once", "[desk]") {
    DeskServer s;
    DeskClient c = s.logged_in(demo_commune_user);
    std::string device;
    for (const auto& d : s.server.accounts().devices())
        if (d.replica == desk::desk_replica(demo_commune_user)) device = d.id;
    REQUIRE(!device.empty());
    s.server.accounts().revoke_device(device, "máy tính bị mất");
    CHECK(c.get("/desk/products").status == 303);
}

TEST_CASE("desk: forms without the session's CSRF token or from another site are refused",
          "[desk]") {
    DeskServer s;
    DeskClient c = s.logged_in(demo_user);
    const std::string form = "id=" + s.world.conflict + "&index=1";
    Reply r = c.post("/desk/conflicts/resolve", form);
    CHECK(r.status == 403);
    CHECK(r.error_code() == errc::desk_csrf);
    r = c.post("/desk/conflicts/resolve", form + "&csrf=" + c.csrf,
               {{"Origin", "http://evil.example"}});
    CHECK(r.status == 403);
    CHECK(r.error_code() == errc::desk_csrf);
    // Nothing was written: the conflict is still open.
    CHECK(s.server.store().read("conflict", s.world.conflict)->get("status") == Value("open"));
}

TEST_CASE("desk: the login shares the throttle of /v1/login", "[desk]") {
    DeskServer s;
    DeskClient c = s.client();
    int status = 0;
    for (int i = 0; i < 20 && status != 429; ++i)
        status = c.login(demo_user, "not-the-password").status;
    CHECK(status == 429);
    // Even the right password is not checked while the user is locked out.
    CHECK(c.login(demo_user, demo_password).status == 429);
}

TEST_CASE("desk: resolving a conflict in the browser is an audited changeset of the desk replica",
          "[desk]") {
    DeskServer s;
    DeskClient c = s.logged_in(demo_commune_user);
    const Reply page = c.get("/desk/conflicts");
    REQUIRE(listed_ids(page.body).count(s.world.conflict) == 1);
    const auto conflict = s.server.store().read("conflict", s.world.conflict);
    const std::string chosen = conflict->get("values")[0]["value"].get<std::string>();

    const Reply r =
        c.post("/desk/conflicts/resolve", "id=" + s.world.conflict + "&index=1&csrf=" + c.csrf);
    REQUIRE(r.status == 303);
    CHECK(r.header("location") == "/desk/conflicts?ok=1");
    const auto after = s.server.store().read("conflict", s.world.conflict);
    CHECK(after->get("status") == Value("resolved"));
    CHECK(after->get("resolved_by") == Value(demo_commune_user));
    CHECK(s.server.store().read("product", s.world.product)->get("name") == Value(chosen));
    // Written by the desk replica, through the sync service's bookkeeping.
    CHECK(s.server.store().last_applied(desk::desk_replica(demo_commune_user)) == 1);
    AuditQuery q;
    q.user = demo_commune_user;
    const auto trail = s.server.audit().query(q);
    REQUIRE(!trail.empty());
    CHECK(trail.front().outcome == "applied");
    CHECK(trail.front().replica == desk::desk_replica(demo_commune_user));
    CHECK(trail.front().message.find("resolved by \"" + std::string(demo_commune_user) +
                                     "\": value 1") != std::string::npos);
    // A second choice is refused: the conflict is no longer open.
    CHECK(c.post("/desk/conflicts/resolve", "id=" + s.world.conflict + "&index=2&csrf=" + c.csrf)
              .status == 409);
}

TEST_CASE("desk: a commune officer sees only their commune, by page, search, export or URL",
          "[desk][isolation]") {
    DeskServer s;
    DeskClient xa = s.logged_in(demo_commune_user);
    DeskClient province = s.logged_in(demo_user);
    const std::string other_name =
        s.server.store().read("product", s.world.other_product)->get("name").get<std::string>();

    // The commune and the former communes merged into it: what the devices' scope policy gives
    // demo.xa's grants. The other commune is not among them.
    auto covered = domain::builtin_scope_policy().covered_units(
        s.server.store(), s.server.accounts().grants(demo_commune_user));
    const std::set<std::string> units(covered.begin(), covered.end());
    REQUIRE(units.count(s.world.commune) == 1);
    REQUIRE(units.count(s.world.other_commune) == 0);

    SECTION("every row of every list page is of the officer's units") {
        size_t rows = 0;
        for (const auto& [list, collection] : scoped_lists) {
            const Reply page = xa.get(std::string("/desk/") + list);
            REQUIRE(page.status == 200);
            for (const auto& id : listed_ids(page.body)) {
                INFO(list << " lists " << id);
                CHECK(units.count(s.unit_of(collection, id)) == 1);
                ++rows;
            }
            // Asking for the other commune by filter gives nothing either.
            const Reply filtered =
                xa.get(std::string("/desk/") + list + "?commune=" + s.world.other_commune);
            CHECK(row_count(filtered.body) == 0);
        }
        CHECK(rows > 0);
        // The province sees the other commune's product and conflict.
        CHECK(listed_ids(province.get("/desk/products").body).size() > 0);
        CHECK(listed_ids(province.get("/desk/conflicts").body).count(s.world.other_conflict) == 1);
        CHECK(listed_ids(xa.get("/desk/conflicts").body).count(s.world.other_conflict) == 0);
    }

    SECTION("search and exports do not find the other commune's product") {
        std::string q;
        Poco::URI::encode(other_name, "&=+?#/", q);
        CHECK(row_count(province.get("/desk/products?q=" + q).body) > 0);
        CHECK(row_count(xa.get("/desk/products?q=" + q).body) == 0);
        for (const char* format : {"csv", "xlsx"}) {
            const Reply mine = xa.get(std::string("/desk/export?list=products&format=") + format);
            REQUIRE(mine.status == 200);
            const Reply theirs =
                province.get(std::string("/desk/export?list=products&format=") + format);
            CHECK(theirs.body.size() > mine.body.size());
            if (std::string(format) == "csv") {
                CHECK(mine.body.find(s.world.commune_name) != std::string::npos);
                CHECK(mine.body.find(other_name) == std::string::npos);
                CHECK(theirs.body.find(other_name) != std::string::npos);
            }
        }
    }

    SECTION("guessed URLs of the other commune's records answer 404") {
        const auto other = [&](const char* collection) {
            const auto r =
                s.server.store().query(collection, where("unit", s.world.other_commune), 1, {});
            REQUIRE(!r.empty());
            return r.front().id;
        };
        const std::string inspection = other("inspection");
        CHECK(xa.get("/desk/inspection?id=" + inspection).status == 404);
        CHECK(province.get("/desk/inspection?id=" + inspection).status == 200);
        CHECK(xa.get("/desk/pdf/minutes?id=" + inspection).status == 404);
        CHECK(xa.get("/desk/pdf/scores?id=" + other("evaluation")).status == 404);
        CHECK(xa.get("/desk/pdf/form03?id=" + other("registration")).status == 404);
        const Reply resolve = xa.post("/desk/conflicts/resolve",
                                      "id=" + s.world.other_conflict + "&index=1&csrf=" + xa.csrf);
        CHECK(resolve.status == 404);
        CHECK(s.server.store().read("conflict", s.world.other_conflict)->get("status") ==
              Value("open"));
    }
}

TEST_CASE("desk: exports are typed and in Vietnamese; PDFs are PDFs", "[desk]") {
    DeskServer s;
    DeskClient c = s.logged_in(demo_user);
    const Reply csv = c.get("/desk/export?list=certificates&format=csv");
    REQUIRE(csv.status == 200);
    CHECK(csv.body.rfind("\xEF\xBB\xBFSố giấy chứng nhận,Sản phẩm,Hạng sao", 0) == 0);
    const Reply xlsx = c.get("/desk/export?list=certificates&format=xlsx");
    REQUIRE(xlsx.status == 200);
    CHECK(xlsx.body.rfind("PK", 0) == 0);
    CHECK(c.get("/desk/export?list=nothing&format=csv").error_code() == errc::desk_no_such_list);
    CHECK(c.get("/desk/export?list=products&format=doc").error_code() == errc::desk_bad_request);
    const auto insp = s.server.store().query("inspection", where("unit", s.world.commune), 1, {});
    REQUIRE(!insp.empty());
    const Reply pdf = c.get("/desk/pdf/minutes?id=" + insp.front().id);
    REQUIRE(pdf.status == 200);
    CHECK(pdf.header("content-type") == "application/pdf");
    CHECK(pdf.body.rfind("%PDF-", 0) == 0);
}

TEST_CASE("desk: the province enters yearly targets; progress counts certified products",
          "[desk]") {
    DeskServer s;
    DeskClient province = s.logged_in(demo_user);
    const std::string year = "2024";
    Reply r = province.post("/desk/progress/target", "unit=" + s.world.commune + "&year=" + year +
                                                         "&products=4&csrf=" + province.csrf);
    REQUIRE(r.status == 303);
    CHECK(r.header("location") == "/desk/progress?ok=1");
    // Entered again: the same record, updated.
    r = province.post("/desk/progress/target", "unit=" + s.world.commune + "&year=" + year +
                                                   "&products=5&csrf=" + province.csrf);
    CHECK(r.header("location") == "/desk/progress?ok=1");
    size_t certified = 0;
    for (const auto& c :
         s.server.store().query("certificate", where("unit", s.world.commune), 100000, {}))
        if (c.get("issued_on").get<std::string>().rfind(year, 0) == 0) ++certified;

    DeskClient xa = s.logged_in(demo_commune_user);
    const Reply page = xa.get("/desk/progress");
    REQUIRE(row_count(page.body) == 2);  // the demo province's target of this year, and 2024's
    CHECK(page.body.find("<td>" + s.world.commune_name + "</td><td>" + year +
                         "</td><td class=\"num\">5</td><td class=\"num\">" +
                         std::to_string(certified) + "</td>") != std::string::npos);
    // A commune officer may read targets, not set them: the permission table refuses the
    // changeset, and the refusal is in the audit trail.
    r = xa.post("/desk/progress/target",
                "unit=" + s.world.commune + "&year=2025&products=9&csrf=" + xa.csrf);
    REQUIRE(r.status == 303);
    CHECK(r.header("location").rfind("/desk/progress?refused=perm.", 0) == 0);
    AuditQuery q;
    q.user = demo_commune_user;
    q.outcome = "refused";
    CHECK(s.server.audit().query(q).size() == 1);
    CHECK(row_count(xa.get("/desk/refused").body) == 1);
}
