#include "ocop/server/admin_cli.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>

#include <nlohmann/json.hpp>

#include <memory>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/server/sqlite_account_store.hpp"

namespace ocop::server {

namespace {

constexpr const char* kUsage =
    "usage: ocop-admin --data DIR user add NAME   (password: one line on stdin)\n"
    "       ocop-admin --data DIR user list\n"
    "       ocop-admin --data DIR device list\n";

struct UsageError {
    std::string message;
};

std::string iso_time(int64_t unix_ms) {
    const Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(unix_ms) * 1000);
    return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

struct Parsed {
    std::string data_dir;
    std::vector<std::string> words;
    bool help = false;
};

Parsed parse(const std::vector<std::string>& args) {
    Parsed p;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--help" || a == "-h") {
            p.help = true;
        } else if (a == "--data") {
            if (i + 1 >= args.size()) throw UsageError{"--data needs a directory"};
            p.data_dir = args[++i];
        } else if (a.rfind("--data=", 0) == 0) {
            p.data_dir = a.substr(7);
        } else if (a.size() > 1 && a[0] == '-') {
            throw UsageError{"unknown option '" + a + "'"};
        } else {
            p.words.push_back(a);
        }
    }
    return p;
}

std::string read_password(AdminIo& io, const std::string& user) {
    if (io.prompt) io.err << "password for " << user << ": " << std::flush;
    std::string line;
    if (!std::getline(io.in, line)) throw UsageError{"no password on stdin (give it as one line)"};
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (io.prompt) io.err << "\n";
    return line;
}

int user_add(const std::string& data_dir, const std::string& name, AdminIo& io,
             uint32_t iterations) {
    check_username(name);  // before asking for a password the store would refuse anyway
    const std::string password = read_password(io, name);
    Poco::File(data_dir).createDirectories();
    AccountStoreOptions options;
    options.pbkdf2_iterations = iterations;
    SqliteAccountStore accounts(Poco::Path(data_dir).append("accounts.db").toString(), options);
    accounts.add_user(name, password);
    io.out << nlohmann::json{{"user", name}, {"added", true}}.dump() << "\n";
    return 0;
}

std::unique_ptr<SqliteAccountStore> open_existing(const std::string& data_dir,
                                                  uint32_t iterations) {
    const Poco::Path file = Poco::Path(data_dir).append("accounts.db");
    if (!Poco::File(file).exists())
        throw Error(ErrorKind::not_found, errc::store_io,
                    "no accounts database at " + file.toString() + " (wrong --data?)");
    AccountStoreOptions options;
    options.pbkdf2_iterations = iterations;
    return std::make_unique<SqliteAccountStore>(file.toString(), options);
}

}  // namespace

int run_admin(const std::vector<std::string>& args, AdminIo io, uint32_t pbkdf2_iterations) {
    try {
        const Parsed p = parse(args);
        if (p.help) {
            io.out << kUsage;
            return 0;
        }
        if (p.data_dir.empty()) throw UsageError{"--data DIR is required"};
        const auto& w = p.words;
        if (w.size() == 3 && w[0] == "user" && w[1] == "add")
            return user_add(p.data_dir, w[2], io, pbkdf2_iterations);
        if (w.size() == 2 && w[0] == "user" && w[1] == "list") {
            auto accounts = open_existing(p.data_dir, pbkdf2_iterations);
            nlohmann::json list = nlohmann::json::array();
            for (const auto& u : accounts->users())
                list.push_back({{"name", u.name},
                                {"created", iso_time(u.created_ms)},
                                {"disabled", u.disabled}});
            io.out << list.dump(2) << "\n";
            return 0;
        }
        if (w.size() == 2 && w[0] == "device" && w[1] == "list") {
            auto accounts = open_existing(p.data_dir, pbkdf2_iterations);
            nlohmann::json list = nlohmann::json::array();
            for (const auto& d : accounts->devices())
                list.push_back({{"id", d.id},
                                {"user", d.user},
                                {"replica", d.replica},
                                {"name", d.name},
                                {"app_version", d.app_version},
                                {"created", iso_time(d.created_ms)},
                                {"last_seen", iso_time(d.last_seen_ms)}});
            io.out << list.dump(2) << "\n";
            return 0;
        }
        if (w.empty()) throw UsageError{"no command given"};
        std::string command;
        for (const auto& word : w) command += (command.empty() ? "" : " ") + word;
        throw UsageError{"unknown command '" + command + "'"};
    } catch (const UsageError& e) {
        io.err << "ocop-admin: " << e.message << " (see ocop-admin --help)\n";
        return 2;
    } catch (const Error& e) {
        io.err << "ocop-admin: " << e.code() << ": " << e.what() << "\n";
        return 1;
    } catch (const Poco::Exception& e) {
        io.err << "ocop-admin: " << e.displayText() << "\n";
        return 1;
    } catch (const std::exception& e) {
        io.err << "ocop-admin: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace ocop::server
