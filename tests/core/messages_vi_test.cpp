// Every stable code the source tree can raise has a Vietnamese message: the test scans the
// sources for code literals, so a code added later without a translation, or without its row in
// docs/errors.md, fails CI.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/messages_vi.hpp"

namespace fs = std::filesystem;

namespace {

// Literals that look like codes but are not: file names and logger names (ocop.db, ocop.http…)
// and a meta key of the sync service.
const std::set<std::string> kNotCodes = {"ocop.db", "ocop.auth", "ocop.http", "ocop.server",
                                         "sync.epoch"};

std::set<std::string> code_literals_in_sources() {
    const std::regex code(
        R"re("((?:schema|value|record|changeset|store|clock|sync|auth|perm|http|internal|ocop|conflict|search|desk)\.[a-z_]+)")re");
    std::set<std::string> found;
    for (const char* dir : {"shared", "sync", "server", "mobile-sdk", "tools"}) {
        const fs::path root = fs::path(OCOP_SOURCE_DIR) / dir;
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            const auto ext = entry.path().extension();
            if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            const std::string s = text.str();
            for (std::sregex_iterator it(s.begin(), s.end(), code), end; it != end; ++it)
                if (!kNotCodes.count((*it)[1].str())) found.insert((*it)[1].str());
        }
    }
    return found;
}

}  // namespace

TEST_CASE("every code literal in the sources has a Vietnamese message") {
    const auto codes = code_literals_in_sources();
    // The scan must see the codes, or an empty catalogue would pass.
    REQUIRE(codes.count("perm.unit_not_covered"));
    REQUIRE(codes.count("ocop.inspection_signed"));
    REQUIRE(codes.size() > 80);
    std::string missing;
    for (const auto& c : codes)
        if (ocop::message_vi(c).empty()) missing += " " + c;
    INFO("codes without a Vietnamese message:" << missing);
    CHECK(missing.empty());
}

TEST_CASE("every code literal in the sources is documented in docs/errors.md") {
    const auto codes = code_literals_in_sources();
    REQUIRE(codes.size() > 80);
    std::ifstream in(fs::path(OCOP_SOURCE_DIR) / "docs" / "errors.md");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    std::string missing;
    for (const auto& c : codes)
        if (doc.find("`" + c + "`") == std::string::npos) missing += " " + c;
    INFO("codes not in docs/errors.md:" << missing);
    CHECK(missing.empty());
}

TEST_CASE("Vietnamese messages read as the officer expects") {
    CHECK(ocop::message_vi(ocop::errc::perm_unit_not_covered) ==
          "Tài khoản của bạn không được ghi dữ liệu của đơn vị này.");
    CHECK(ocop::message_vi(ocop::errc::sync_network) ==
          "Mất kết nối với máy chủ; dữ liệu vẫn được giữ trên máy và sẽ gửi lại.");
    // NUL-terminated, so the C ABI can hand out .data().
    const auto m = ocop::message_vi("record.not_found");
    CHECK(m.data()[m.size()] == '\0');
}

TEST_CASE("an unknown code has no message; the display form falls back to a generic one") {
    CHECK(ocop::message_vi("nope.never").empty());
    CHECK(ocop::message_vi("").empty());
    CHECK(ocop::message_vi_or_generic("nope.never") == "Đã xảy ra lỗi (mã nope.never).");
    CHECK(ocop::message_vi_or_generic("store.full") == std::string(ocop::message_vi("store.full")));
}
