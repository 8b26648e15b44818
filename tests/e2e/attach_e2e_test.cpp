// ocop-field attaches a photo to a record and a colleague's device fetches it, through the real
// ocop-server binary (docs/attachments.md); the bytes arrive whole, and the blob is in the
// server's data directory, named by its hash.
#include <fstream>

#include "e2e_support.hpp"

using namespace ocop::test;
using nlohmann::json;

TEST_CASE("ocop-field attaches a photo and another device fetches it", "[e2e][blobs]") {
    const auto root = temp_dir("ocop-e2e-attach");
    const auto data = root / "server";
    add_user(data, "can.bo.mot", "mat-khau-mot-2026");
    add_user(data, "can.bo.hai", "mat-khau-hai-2026");
    const std::string unit = "0192a000-0000-7000-8000-0000000000bb";
    grant(data, "can.bo.mot", "commune_officer", unit);
    grant(data, "can.bo.hai", "commune_officer", unit);
    ServerProcess server(server_bin, data, free_port());
    server.start();
    Device one{root / "one"}, two{root / "two"};
    one.login(server.url(), "can.bo.mot", "mat-khau-mot-2026");
    two.login(server.url(), "can.bo.hai", "mat-khau-hai-2026");

    std::string bytes(150'000, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 251);
    const auto photo = root / "nhan-san-pham.jpg";
    std::ofstream(photo, std::ios::binary) << bytes;

    const std::string id = one.ok({"put", "evidence_photo", "caption=Nhãn sản phẩm",
                                   "blob=sha256:" + std::string(64, '0'), "unit=" + unit})["id"];
    const json attached = one.ok({"attach", "evidence_photo", id, "blob", photo.string()});
    const std::string ref = attached["ref"];
    CHECK(attached["size"] == bytes.size());
    // Before the record syncs the server takes no blob: sync-blobs says it waits.
    CHECK(one.cmd({"sync-blobs"}).exit_code == 3);
    REQUIRE(one.cmd({"sync"}).exit_code == 0);
    const json sent = one.ok({"sync-blobs"});
    CHECK(sent["uploaded"] == 1);
    CHECK(std::filesystem::file_size(data / "blobs" / ref.substr(7, 2) / ref.substr(7)) ==
          bytes.size());

    REQUIRE(two.cmd({"sync"}).exit_code == 0);
    CHECK(two.ok({"get", "evidence_photo", id})["fields"]["blob"] == ref);
    const auto out = root / "fetched.jpg";
    const json fetched = two.ok({"fetch", ref, "--out", out.string()});
    CHECK(fetched["size"] == bytes.size());
    std::ifstream in(out, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == bytes);
    // A file of no known type needs --type.
    CHECK(one.cmd({"attach", "evidence_photo", id, "blob", (root / "x.bin").string()}).exit_code ==
          2);
    server.stop();
    std::filesystem::remove_all(root);
}
