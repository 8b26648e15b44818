#include "fuzz_server.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <stdexcept>

#include "ocop/core/builtin_schema.hpp"
#include "ocop/core/tuning.hpp"
#include "ocop/domain/demo_province.hpp"
#include "ocop/domain/unit_scope_policy.hpp"
#include "ocop/server/routes/health_route.hpp"
#include "ocop/server/routes/login_route.hpp"
#include "ocop/server/routes/sync_route.hpp"
#include "ocop/server/secrets.hpp"
#include "ocop/server/server_identity.hpp"

namespace ocop::fuzz {

namespace {

// Accounts: a fixed clock, so the seeded token neither rotates nor expires while fuzzing.
constexpr int64_t kAccountsMs = 1'795'392'000'000;

server::AccountStoreOptions account_options() {
    server::AccountStoreOptions o;
    o.pbkdf2_iterations = 1000;  // the real derivation, cheap enough for thousands of logins
    o.clock = [] { return kAccountsMs; };
    return o;
}

// The accounts store issues random tokens; the fuzzer needs one it can know. The device's token
// hash is replaced by that of kToken, directly in the file, before the server opens it.
void set_fixed_token(const std::string& accounts_file) {
    sqlite3* db = nullptr;
    if (sqlite3_open(accounts_file.c_str(), &db) != SQLITE_OK)
        throw std::runtime_error("cannot open " + accounts_file);
    const std::string sql = "UPDATE devices SET token_hash = '" +
                            server::secrets::sha256_hex(kToken) + "' WHERE replica = '" + kReplica +
                            "'";
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot set the fuzz token");
}

std::string first_unit(Store& store, const char* level) {
    for (auto& unit : store.query("admin_unit", {{"level", level}}, 10000, {}))
        if (unit.get("valid_to").is_null()) return unit.id;
    throw std::runtime_error(std::string("the demo province has no ") + level);
}

}  // namespace

FuzzServer::FuzzServer()
    : dir_(std::filesystem::temp_directory_path() /
           ("ocop-fuzz-http-" + std::to_string(::getpid()))) {
    // Quiet, but every log line is still made: the logging code is under test too.
    Poco::Logger::root().setChannel(errors_);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_TRACE);

    const auto file = [&](const char* name) { return (dir_.path / name).string(); };

    // Durability::normal: the fuzzer does not survive power loss either, and fsync would halve
    // the executions per second.
    store_ = std::make_unique<SqliteStore>(file("ocop.db"), sqlite::Durability::normal);
    const std::string server_id = server::ensure_server_id(*store_);
    clock_ =
        std::make_unique<HlcClock>(system_physical_clock(), ocop::tuning::max_clock_ahead_ms,
                                   server::load_server_hlc(*store_, system_physical_clock()()));
    const Schema& schema = builtin_schema();
    rules_ = std::make_unique<domain::DomainRules>();
    permissions_ = std::make_unique<domain::PermissionChecker>();
    guard_ = std::make_unique<sync::RulesGuard>(schema, rules_->list(), permissions_.get(),
                                                &rules_->signing());
    writer_ =
        std::make_unique<LocalReplica>(*store_, schema, system_physical_clock(),
                                       "server-" + server_id, std::vector<const ChangesetRule*>{},
                                       /*keep_outbox=*/false);
    domain::DemoOptions demo;
    demo.size = 120;
    domain::generate_demo_province(*writer_, demo);

    {
        server::SqliteAccountStore seed(file("accounts.db"), account_options());
        seed.add_user(kUser, kPassword);
        const std::string province = first_unit(*store_, "province");
        const std::string commune = first_unit(*store_, "commune");
        for (const char* role : {"provincial_staff", "administrator"})
            seed.add_grant(kUser, {role, province});
        for (const char* role : {"commune_officer", "inspector"})
            seed.add_grant(kUser, {role, commune});
        seed.enroll({kUser, kPassword, kReplica, "fuzz device", "fuzz"});
    }
    set_fixed_token(file("accounts.db"));
    accounts_ =
        std::make_unique<server::SqliteAccountStore>(file("accounts.db"), account_options());

    sync_ =
        std::make_unique<sync::SyncService>(*store_, *clock_, *guard_, server_id, schema.version(),
                                            writer_.get(), &domain::builtin_scope_policy());
    audit_ = std::make_unique<server::SqliteAuditLog>(file("audit.db"));
    context_.reset(new server::ServerContext{*store_, *accounts_, *audit_, *sync_, server_id,
                                             server::BodyLimits{}, system_physical_clock()});
    throttle_ = std::make_unique<server::LoginThrottle>([this] { return throttle_ms_.load(); });

    router_ = std::make_unique<server::Router>(Poco::Logger::get("ocop.http"));
    router_->add("/v1/health", std::make_unique<server::HealthRoute>(*context_))
        .add("/v1/login", std::make_unique<server::LoginRoute>(*context_, *throttle_))
        .add("/v1/sync", std::make_unique<server::SyncRoute>(*context_));
}

FuzzServer::DataDir::DataDir(std::filesystem::path p) : path(std::move(p)) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
}

FuzzServer::DataDir::~DataDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

}  // namespace ocop::fuzz
