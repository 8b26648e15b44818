// Blobs over HTTP against a real server (docs/attachments.md): a device uploads a blob its own
// record references, in chunks, resumed after a cut at the byte the server had; the server
// verifies it against its name, keeps it once, counts it in backups, and lets only devices that
// may hold a referencing record fetch it. Size and type limits answer 413 and 415 with codes.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <thread>

#include "ocop/core/error_codes.hpp"
#include "ocop/core/sha256.hpp"
#include "ocop/server/backup.hpp"
#include "ocop/sync/blob_protocol.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;
using server::test::Call;
using server::test::http;
using server::test::Reply;
namespace bp = ocop::sync::blob_protocol;

namespace {

std::string photo_bytes(size_t size, char seed) {
    std::string bytes(size, '\0');
    uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
    for (auto& c : bytes) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 24);
    }
    return bytes;
}

struct BlobHttp {
    uint16_t port;
    std::string token;

    std::map<std::string, std::string> auth() const {
        return {{"Authorization", "Bearer " + token}};
    }
    Reply head(const std::string& ref) const {
        return http(port,
                    Call{Poco::Net::HTTPRequest::HTTP_HEAD, std::string(bp::path_prefix) + ref,
                         std::nullopt, auth(), std::nullopt});
    }
    Reply patch(const std::string& ref, uint64_t offset, uint64_t total, const std::string& body,
                const std::string& type = "image/jpeg") const {
        auto headers = auth();
        headers[bp::header_offset] = std::to_string(offset);
        headers[bp::header_length] = std::to_string(total);
        headers["Content-Type"] = type;
        return http(port, Call{Poco::Net::HTTPRequest::HTTP_PATCH,
                               std::string(bp::path_prefix) + ref, body, headers, std::nullopt});
    }
    Reply get(const std::string& ref, std::optional<uint64_t> from = std::nullopt) const {
        auto headers = auth();
        if (from) headers["Range"] = "bytes=" + std::to_string(*from) + "-";
        return http(port, Call{Poco::Net::HTTPRequest::HTTP_GET, std::string(bp::path_prefix) + ref,
                               std::nullopt, headers, std::nullopt});
    }
    // Sends the headers of a chunk of `declared` bytes and only `part` of them, then drops the
    // connection: a link cut in the middle of an upload.
    void cut_upload(const std::string& ref, uint64_t total, const std::string& part,
                    uint64_t declared) const {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_PATCH,
                                   std::string(bp::path_prefix) + ref,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        for (const auto& [k, v] : auth()) req.set(k, v);
        req.set(bp::header_offset, "0");
        req.set(bp::header_length, std::to_string(total));
        req.setContentType("image/jpeg");
        req.setContentLength64(static_cast<Poco::Int64>(declared));
        std::ostream& out = session.sendRequest(req);
        out.write(part.data(), static_cast<std::streamsize>(part.size()));
        out.flush();
        session.reset();
    }
};

uint64_t received_of(const Reply& r) {
    return std::stoull(r.header("x-blob-received"));
}

}  // namespace

TEST_CASE("a blob is uploaded in chunks, resumed at the byte a cut left, verified and fetched",
          "[blobs]") {
    Province p(300);
    const auto [a, b] = p.two_communes();
    p.user("can.bo.a", {{"commune_officer", a}});
    p.user("can.bo.b", {{"commune_officer", b}});
    RawDevice a1(p.url, "can.bo.a", "phone-a1", p.server.port());
    RawDevice a2(p.url, "can.bo.a", "phone-a2", p.server.port());
    RawDevice b1(p.url, "can.bo.b", "phone-b1", p.server.port());

    const std::string photo = photo_bytes(300 * 1024, 1);
    const std::string ref = blob_ref_of(photo);
    const std::string photo_id = "0192b000-0000-7000-8000-00000000b10b";
    a1.put("evidence_photo", photo_id, {{"blob", ref}, {"caption", "Kho"}, {"unit", a}});
    REQUIRE(a1.sync().complete);
    REQUIRE(a2.sync().complete);
    REQUIRE(b1.sync().complete);
    const BlobHttp up{p.server.port(), a1.token};

    // Nothing yet; a cut after 90 % keeps what arrived.
    REQUIRE(up.head(ref).status == 200);
    CHECK(received_of(up.head(ref)) == 0);
    CHECK(up.head(ref).header("x-blob-complete") == "0");
    const size_t ninety = photo.size() * 9 / 10;
    up.cut_upload(ref, photo.size(), photo.substr(0, ninety), photo.size());
    uint64_t have = 0;
    for (int i = 0; i < 100 && have < ninety; ++i) {
        have = received_of(up.head(ref));
        if (have < ninety) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(have == ninety);

    // A chunk that does not continue the server's copy is refused, saying where to resume.
    const Reply wrong = up.patch(ref, 0, photo.size(), photo.substr(0, 1000));
    CHECK(wrong.status == 409);
    CHECK(wrong.error_code() == errc::blob_offset_mismatch);
    CHECK(received_of(wrong) == ninety);

    // Before it is complete nobody can read it.
    CHECK(BlobHttp{p.server.port(), a2.token}.get(ref).status == 404);

    const Reply rest = up.patch(ref, have, photo.size(), photo.substr(have));
    REQUIRE(rest.status == 200);
    CHECK(rest.json()["complete"] == true);
    CHECK(rest.json()["received"] == photo.size());
    CHECK(up.head(ref).header("x-blob-complete") == "1");

    // Another device of the commune fetches it whole and from an offset.
    const BlobHttp reader{p.server.port(), a2.token};
    const Reply whole = reader.get(ref);
    REQUIRE(whole.status == 200);
    CHECK(whole.header("content-type") == "image/jpeg");
    CHECK(whole.body == photo);
    const Reply tail = reader.get(ref, 200'000);
    CHECK(tail.status == 206);
    CHECK(tail.body == photo.substr(200'000));

    // A device of another commune may neither read nor send it; a device that wrote no
    // reference may not send it either.
    const BlobHttp other{p.server.port(), b1.token};
    CHECK(other.get(ref).status == 403);
    CHECK(other.get(ref).error_code() == errc::blob_not_referenced);
    CHECK(other.head(ref).status == 403);
    const std::string stranger = blob_ref_of("not referenced");
    CHECK(up.patch(stranger, 0, 14, "not referenced").error_code() == errc::blob_not_referenced);
    CHECK(reader.patch(ref, 0, photo.size(), photo).status == 403);
    CHECK(up.get(ref).status == 200);

    // Stored once: a second device referencing the same bytes is told it is complete.
    a2.put("evidence_photo", "0192b000-0000-7000-8000-00000000b10c", {{"blob", ref}, {"unit", a}});
    REQUIRE(a2.sync().complete);
    const Reply again = reader.patch(ref, 0, photo.size(), photo.substr(0, 4096));
    CHECK(again.status == 200);
    CHECK(again.json()["complete"] == true);
    CHECK(p.server.blobs().totals().count == 1);
    CHECK(p.server.blobs().totals().bytes == photo.size());

    // On PostgreSQL the database is backed up with pg_dump and DIR/blobs as files
    // (docs/postgresql.md); ocop-admin backup is the embedded default's.
    if (ocop::test::testing_postgresql()) return;
    // Counted in a backup, verified on the way.
    const auto manifest =
        server::backup_data_dir(p.server.options().data_dir, (p.dir.path() / "backup").string());
    CHECK(manifest["blobs"]["count"] == 1);
    CHECK(manifest["blobs"]["bytes"] == photo.size());
    // And restored with the records, into a new data directory.
    const auto restored = p.dir.path() / "restored";
    const auto report =
        server::restore_data_dir(restored.string(), (p.dir.path() / "backup").string());
    CHECK(report["blobs"]["count"] == 1);
    server::FilesystemBlobStore again_here((restored / server::blobs_dir_name).string());
    REQUIRE(again_here.find(ref.substr(7)).has_value());
    CHECK(again_here.read(ref.substr(7), 0, photo.size()) == photo);
}

TEST_CASE("blob limits: 413 for size, 415 for type, 400 for bytes that do not match the name",
          "[blobs]") {
    Province p(300);
    const auto [a, b] = p.two_communes();
    (void)b;
    p.user("can.bo.a", {{"commune_officer", a}});
    RawDevice a1(p.url, "can.bo.a", "phone-a1", p.server.port());
    const std::string photo = photo_bytes(10'000, 2);
    const std::string ref = blob_ref_of(photo);
    a1.put("evidence_photo", "0192b000-0000-7000-8000-00000000b201", {{"blob", ref}, {"unit", a}});
    REQUIRE(a1.sync().complete);
    const BlobHttp up{p.server.port(), a1.token};

    const Reply big = up.patch(ref, 0, bp::max_blob_bytes + 1, photo);
    CHECK(big.status == 413);
    CHECK(big.error_code() == errc::blob_too_large);
    const Reply text = up.patch(ref, 0, photo.size(), photo, "text/html");
    CHECK(text.status == 415);
    CHECK(text.error_code() == errc::blob_unsupported_type);
    CHECK(text.json()["error"]["message"].get<std::string>().find("image/jpeg") !=
          std::string::npos);
    CHECK(up.head("sha256:XYZ").status == 400);
    CHECK(up.get("sha256:XYZ").error_code() == errc::blob_bad_ref);

    // Other bytes under this name: refused, and the partial upload is gone.
    std::string forged = photo;
    forged[5000] ^= 1;
    const Reply bad = up.patch(ref, 0, forged.size(), forged);
    CHECK(bad.status == 400);
    CHECK(bad.error_code() == errc::blob_hash_mismatch);
    CHECK(received_of(up.head(ref)) == 0);
    CHECK(up.patch(ref, 0, photo.size(), photo).json()["complete"] == true);

    // Without a token: 401.
    CHECK(BlobHttp{p.server.port(), ""}.head(ref).status == 401);
}
