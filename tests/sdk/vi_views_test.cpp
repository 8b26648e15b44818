// What the officer sees in Vietnamese: enum labels typed in and shown, messages beside codes in
// every error and refusal view, and through the C ABI.
#include <catch2/catch.hpp>

#include "ocop/core/error.hpp"
#include "ocop/sdk/database.hpp"
#include "ocop/sdk/json_views.hpp"
#include "ocop/sdk/ocop_sdk.h"
#include "test_support.hpp"

using ocop::sdk::Database;
using ocop::test::TempDir;
using ocop::test::uuid_for;
namespace json_view = ocop::sdk::json_view;

TEST_CASE("an enum is given by its value or its label_vi, in any letter case") {
    TempDir dir;
    auto db = Database::open(dir.file("device.db"));
    CHECK(db->value_from_text("inspection", "status", "draft") == "draft");
    CHECK(db->value_from_text("inspection", "status", "Nháp") == "draft");
    CHECK(db->value_from_text("inspection", "status", "nháp") == "draft");
    CHECK(db->value_from_text("inspection", "status", "NHÁP") == "draft");
    CHECK(db->value_from_text("inspection", "status", "ĐÃ KÝ") == "signed");
    CHECK(db->value_from_text("applicant", "legal_form", "hợp tác xã") == "cooperative");
    CHECK(db->value_from_text("admin_unit", "level", "XÃ/PHƯỜNG/ĐẶC KHU") == "commune");
    // Not a value nor a label: left as typed, for validation to refuse with the list of options.
    CHECK(db->value_from_text("inspection", "status", "nhap") == "nhap");
}

TEST_CASE("the labelled record view adds enum labels and local times beside the stored values") {
    TempDir dir;
    auto db = Database::open(dir.file("device.db"));
    ocop::Record r;
    r.collection = "inspection";
    r.id = uuid_for(1);
    r.fields["status"].value = "signed";
    r.fields["started_at"].value = "2026-05-22T01:30:00Z";
    r.fields["ended_at"].value = nullptr;
    const auto plain = json_view::record_labelled(r, db->schema());
    CHECK(plain["fields"]["status"] == "signed");
    CHECK(plain["fields"]["status_label_vi"] == "Đã ký");
    CHECK_FALSE(plain["fields"].contains("started_at_local"));

    const auto local = json_view::record_labelled(r, db->schema(), 420);
    CHECK(local["fields"]["started_at"] == "2026-05-22T01:30:00Z");
    CHECK(local["fields"]["started_at_local"] == "2026-05-22T08:30:00+07:00");
    CHECK_FALSE(local["fields"].contains("ended_at_local"));
    CHECK(json_view::record(r)["fields"].size() == 3);
}

TEST_CASE("every error and refusal view carries message_vi beside code and message") {
    ocop::sync::SyncReport report;
    report.complete = false;
    report.error_code = "sync.network";
    report.error_message = "connection refused";
    report.refusals.push_back({7, "perm.unit_not_covered", "inspection/… outside your units"});
    const auto j = json_view::report(report);
    CHECK(j["error"]["message_vi"] ==
          "Mất kết nối với máy chủ; dữ liệu vẫn được giữ trên máy và sẽ gửi lại.");
    CHECK(j["refusals"][0]["message_vi"] ==
          "Tài khoản của bạn không được ghi dữ liệu của đơn vị này.");

    ocop::QuarantinedChangeset q;
    q.code = "ocop.inspection_signed";
    q.message = "signed";
    CHECK(json_view::refused({q})[0]["message_vi"] ==
          "Biên bản kiểm tra đã ký nên không thể sửa hoặc bổ sung nội dung.");

    ocop::sdk::Status s;
    s.last_error = "sync.timeout: no answer in 30 s";
    CHECK(json_view::status(s)["last_error_vi"] ==
          "Máy chủ không phản hồi kịp thời; dữ liệu vẫn được giữ trên máy và sẽ gửi lại.");
    s.last_error.clear();
    CHECK(json_view::status(s)["last_error_vi"] == "");

    report.error_code = "made.up";
    CHECK(json_view::report(report)["error"]["message_vi"] == "Đã xảy ra lỗi (mã made.up).");
}

TEST_CASE("the C ABI gives the Vietnamese message of an error") {
    TempDir dir;
    ocop_error* err = nullptr;
    ocop_db* db = ocop_db_open(dir.file("device.db").c_str(), &err);
    REQUIRE(db);
    REQUIRE(err == nullptr);
    CHECK(ocop_db_get_json(db, "inspection", uuid_for(9).c_str(), nullptr, &err) == nullptr);
    REQUIRE(err != nullptr);
    size_t len = 0;
    CHECK(std::string(ocop_error_get_code(err, &len)) == "record.not_found");
    CHECK(len == std::string("record.not_found").size());
    CHECK(std::string(ocop_error_get_message_vi(err, &len)) == "Không tìm thấy bản ghi này.");
    CHECK(len == std::string("Không tìm thấy bản ghi này.").size());  // bytes, not characters
    ocop_error_free(err);
    CHECK(ocop_db_close(db, nullptr));

    CHECK(std::string(ocop_error_get_message_vi(nullptr, nullptr)) ==
          "Đã xảy ra lỗi không xác định.");
}
