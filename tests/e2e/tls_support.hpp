// Steps of the HTTPS and security end-to-end tests: self-signed certificates made at test time
// with the openssl command, a binary that must exit by itself (run with a time limit), and an
// inspection to write.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e_support.hpp"

namespace ocop::test {

// `name` found on PATH (Poco::Process::launch wants a path).
inline std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / name))
            return (std::filesystem::path(dir) / name).string();
    return "/usr/bin/" + name;
}

// A self-signed certificate (EC P-256, valid 2 days) with subject CN=`cn` and the subject
// alternative names `san` (e.g. "DNS:localhost,IP:127.0.0.1"): DIR/NAME.pem and DIR/NAME-key.pem.
// Clients trust it by trusting the certificate itself.
inline TlsFiles self_signed(const std::filesystem::path& dir, const std::string& name,
                            const std::string& cn, const std::string& san) {
    std::filesystem::create_directories(dir);
    TlsFiles files{dir / (name + ".pem"), dir / (name + "-key.pem"), dir / (name + ".pem")};
    const RunResult r =
        run(find_program("openssl"),
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", files.key.string(), "-out", files.cert.string(), "-days", "2", "-subj",
             "/CN=" + cn, "-addext", "subjectAltName=" + san});
    INFO("openssl: " << r.err);
    REQUIRE(r.exit_code == 0);
    return files;
}

// Runs a binary that should exit by itself; one still running after `limit` is killed and
// reported with exit code -1 (so a server that starts when it should not fails the test instead
// of hanging it).
inline RunResult run_to_exit(const std::string& binary, const std::vector<std::string>& args,
                             std::chrono::seconds limit = std::chrono::seconds(60)) {
    Poco::Pipe out, err;
    Poco::ProcessHandle ph = Poco::Process::launch(binary, args, nullptr, &out, &err);
    RunResult r;
    std::thread out_reader([&] {
        Poco::PipeInputStream from(out);
        Poco::StreamCopier::copyToString(from, r.out);
    });
    std::thread err_reader([&] {
        Poco::PipeInputStream from(err);
        Poco::StreamCopier::copyToString(from, r.err);
    });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int rc = ph.tryWait();
    while (rc == -1 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        rc = ph.tryWait();
    }
    if (rc == -1) {
        ::kill(ph.id(), SIGKILL);
        ph.wait();
    }
    out_reader.join();
    err_reader.join();
    r.exit_code = rc;
    return r;
}

inline std::string read_all(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A commune the tests' users are granted (grant() in e2e_support.hpp); the server need not hold it.
inline const std::string kTestUnit = "0192a000-0000-7000-8000-000000000001";

// `ocop-field put` arguments for a new inspection in `unit`.
inline std::vector<std::string> inspection_in(const std::string& unit, const std::string& site) {
    return {"inspection",        "kind=market_point",
            "site_name=" + site, "started_at=2026-11-20T08:00:00+07:00",
            "status=draft",      "unit=" + unit};
}

}  // namespace ocop::test
