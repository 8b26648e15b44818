// The SDK's blobs against a real server (docs/attachments.md): a photo captured on one phone
// (through the app's preparer) is uploaded after its record synced, fetched on demand by a
// colleague's phone and prefetched by another's; the storage budget evicts only what the server
// holds, never a photo not yet uploaded.
#include "ocop/core/error_codes.hpp"
#include "ocop/core/sha256.hpp"
#include "ocop/domain/signature_hash.hpp"
#include "trust_test_support.hpp"

using namespace ocop;
using namespace ocop::trust::test;
using server::test::error_code_of;

namespace {

std::string jpeg_like(size_t size, char seed) {
    std::string bytes(size, seed);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + seed) % 251);
    return bytes;
}

sdk::BlobSyncOptions quick() {
    sdk::BlobSyncOptions o;
    o.sleep = [](std::chrono::milliseconds) {};
    return o;
}

}  // namespace

TEST_CASE("SDK blobs: capture, upload after the record, fetch on demand, prefetch, budget",
          "[blobs][sdk]") {
    Province p(300);
    std::string a, b;  // not a structured binding: clang 14 cannot capture one
    std::tie(a, b) = p.two_communes();
    p.user("can.bo.a1", {{"commune_officer", a}});
    p.user("can.bo.a2", {{"commune_officer", a}});
    p.user("can.bo.b1", {{"commune_officer", b}});
    TempDir dir("ocop-sdk-blobs");
    auto phone1 = sdk::Database::open((dir.path() / "phone1.db").string());
    auto phone2 = sdk::Database::open((dir.path() / "phone2.db").string());
    auto phone3 = sdk::Database::open((dir.path() / "phone3.db").string());
    auto other = sdk::Database::open((dir.path() / "other.db").string());
    phone1->enroll(p.url, "can.bo.a1", kPassword);
    phone2->enroll(p.url, "can.bo.a2", kPassword);
    phone3->enroll(p.url, "can.bo.a2", kPassword);
    other->enroll(p.url, "can.bo.b1", kPassword);
    REQUIRE(phone1->sync().complete);

    // The app downscales: the stored blob is the prepared bytes, named by them.
    const std::string raw = jpeg_like(200'000, 3);
    phone1->blobs().set_preparer([](std::string& bytes, std::string& type) {
        bytes.resize(bytes.size() / 2);
        type = "image/jpeg";
    });
    const std::string ref = phone1->blobs().put_bytes(raw, "image/png");
    CHECK(ref == blob_ref_of(raw.substr(0, 100'000)));
    CHECK(phone1->blobs().info(ref)->content_type == "image/jpeg");
    CHECK_FALSE(phone1->blobs().info(ref)->uploaded);
    phone1->blobs().set_preparer({});
    CHECK(error_code_of([&] { phone1->blobs().put_bytes("x", "text/plain"); }) ==
          errc::blob_unsupported_type);

    // Before its record synced the server refuses it; the blob stays pending.
    const sdk::BlobReport early = phone1->sync_blobs(quick());
    CHECK(early.not_referenced == 1);
    CHECK(early.pending == 1);
    CHECK_FALSE(early.complete);
    phone1->write([&](sdk::Transaction& t) {
        t.create("evidence_photo", {{"blob", ref}, {"caption", "Nhãn sản phẩm"}, {"unit", a}});
    });
    REQUIRE(phone1->sync().complete);
    std::vector<sdk::BlobProgress> progress;
    const sdk::BlobReport sent =
        phone1->sync_blobs(quick(), [&](const sdk::BlobProgress& g) { progress.push_back(g); });
    CHECK(sent.complete);
    CHECK(sent.uploaded == 1);
    CHECK(sent.bytes_sent == 100'000);
    CHECK(sent.resent_acknowledged == 0);
    REQUIRE_FALSE(progress.empty());
    CHECK(progress.back().done == 100'000);
    CHECK(progress.back().run_total == 100'000);
    CHECK(phone1->blobs().info(ref)->uploaded);
    CHECK(p.server.blobs().find(ref.substr(7)).has_value());

    // A colleague fetches it on demand, once its record arrived.
    REQUIRE(phone2->sync().complete);
    CHECK_FALSE(phone2->blobs().info(ref).has_value());
    const std::string file = phone2->fetch_blob(ref, quick());
    CHECK(server::test::read_file(file) == raw.substr(0, 100'000));
    CHECK(phone2->blobs().info(ref)->uploaded);
    // Another commune's phone may not.
    REQUIRE(other->sync().complete);
    CHECK(error_code_of([&] { other->fetch_blob(ref, quick()); }) == errc::blob_not_referenced);

    // Prefetch: a sync fetches the collection's blobs ahead.
    REQUIRE(phone3->sync().complete);
    phone3->blobs().set_prefetch("evidence_photo", true);
    const sdk::BlobReport ahead = phone3->sync_blobs(quick());
    CHECK(ahead.downloaded == 1);
    CHECK(ahead.complete);
    CHECK(phone3->blobs().read(ref) == raw.substr(0, 100'000));

    // Budget: the uploaded photo may go (it can be fetched again), a pending one never.
    const std::string pending = phone1->blobs().put_bytes(jpeg_like(50'000, 9), "image/jpeg");
    phone1->blobs().set_budget(0);
    CHECK_FALSE(phone1->blobs().info(ref)->local);
    CHECK_FALSE(phone1->blobs().path(ref).has_value());
    CHECK(phone1->blobs().info(pending)->local);
    CHECK(phone1->blobs().bytes_stored() == 50'000);
    // And the evicted one comes back on demand (the budget evicts it again afterwards, so the
    // fetch says it does not fit).
    phone1->blobs().set_budget(1'000'000);
    CHECK(server::test::read_file(phone1->fetch_blob(ref, quick())) == raw.substr(0, 100'000));
}

TEST_CASE("a signed inspection's hash covers its fields and photos on every replica",
          "[blobs][signature]") {
    Province p(300);
    const std::string a = p.two_communes().first;
    p.user("truong.doan", {{"team_lead", a}});
    p.user("can.bo.a", {{"commune_officer", a}});
    TempDir dir("ocop-sdk-signature");
    auto lead = sdk::Database::open((dir.path() / "lead.db").string());
    auto officer = sdk::Database::open((dir.path() / "officer.db").string());
    lead->enroll(p.url, "truong.doan", kPassword);
    officer->enroll(p.url, "can.bo.a", kPassword);
    std::string inspection, photo;
    const std::string ref = lead->blobs().put_bytes(jpeg_like(20'000, 5), "image/jpeg");
    lead->write([&](sdk::Transaction& t) {
        inspection = t.create("inspection", draft_inspection(a, "HTX Ký"));
        photo = t.create("evidence_photo", {{"blob", ref},
                                            {"parent_collection", "inspection"},
                                            {"parent_id", inspection},
                                            {"unit", a}});
    });
    lead->sign_inspection(inspection);
    const auto here = lead->check_signature(inspection);
    REQUIRE(here.has_value());
    CHECK(here->is_signed);
    CHECK(here->intact);
    CHECK(is_blob_ref(here->stored));
    REQUIRE(lead->sync().complete);
    REQUIRE(lead->sync_blobs(quick()).complete);

    // The server and a colleague's phone recompute the same hash.
    const auto on_server = domain::check_inspection_signature(p.server.store(), inspection);
    REQUIRE(on_server.has_value());
    CHECK(on_server->intact);
    CHECK(on_server->computed == here->stored);
    REQUIRE(officer->sync().complete);
    CHECK(officer->check_signature(inspection)->intact);

    // The photo replaced after signing: every replica sees the minutes no longer match.
    const std::string other = officer->blobs().put_bytes(jpeg_like(20'000, 6), "image/jpeg");
    officer->write([&](sdk::Transaction& t) { t.put("evidence_photo", photo, {{"blob", other}}); });
    REQUIRE(officer->sync().complete);
    CHECK_FALSE(officer->check_signature(inspection)->intact);
    CHECK_FALSE(domain::check_inspection_signature(p.server.store(), inspection)->intact);
    REQUIRE(lead->sync().complete);
    const auto later = lead->check_signature(inspection);
    CHECK(later->is_signed);
    CHECK_FALSE(later->intact);
    CHECK(later->stored == here->stored);
}
