// The catalogue is a sorted table searched by binary search: no allocation, no static
// initialisation order, and the test (tests/core/messages_vi_test.cpp) checks it is sorted and
// that every code literal in the source tree has an entry.
#include "ocop/core/messages_vi.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ocop {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

// Sorted by code (byte order). Sentences are addressed to the officer using the app: what
// happened and, where there is one, what to do.
constexpr std::array kCatalogue = {
    Entry{"auth.bad_credentials", "Tên đăng nhập hoặc mật khẩu không đúng."},
    Entry{"auth.bad_username",
          "Tên đăng nhập không hợp lệ: chỉ dùng chữ thường không dấu, chữ số, dấu chấm, gạch "
          "dưới, gạch ngang (3–64 ký tự)."},
    Entry{"auth.device_revoked",
          "Thiết bị này đã bị quản trị viên thu hồi quyền truy cập; dữ liệu chưa gửi vẫn được "
          "giữ trên máy. Vui lòng liên hệ quản trị viên."},
    Entry{"auth.invalid_token",
          "Phiên đăng nhập của thiết bị không còn hiệu lực. Vui lòng đăng nhập lại."},
    Entry{"auth.missing_token", "Yêu cầu chưa kèm thông tin đăng nhập. Vui lòng đăng nhập."},
    Entry{"auth.replica_reserved",
          "Mã thiết bị này không được phép sử dụng; ứng dụng sẽ tạo mã mới, vui lòng đăng nhập "
          "lại."},
    Entry{"auth.throttled", "Đăng nhập sai quá nhiều lần. Vui lòng chờ một lúc rồi thử lại."},
    Entry{"auth.token_expired",
          "Phiên đăng nhập đã hết hạn do lâu không sử dụng. Vui lòng đăng nhập lại; dữ liệu trên "
          "máy không bị mất."},
    Entry{"auth.unknown_device", "Không tìm thấy thiết bị này trong hệ thống."},
    Entry{"auth.unknown_role", "Vai trò này không có trong bảng phân quyền."},
    Entry{"auth.unknown_unit", "Đơn vị hành chính này không có trong hệ thống."},
    Entry{"auth.user_disabled",
          "Tài khoản của bạn đã bị quản trị viên tạm khóa. Vui lòng liên hệ quản trị viên."},
    Entry{"auth.user_exists", "Tài khoản này đã tồn tại."},
    Entry{"auth.user_unknown", "Tài khoản này không tồn tại."},
    Entry{"auth.weak_password", "Mật khẩu quá ngắn: cần ít nhất 10 ký tự."},
    Entry{"blob.bad_ref", "Mã tệp đính kèm không hợp lệ."},
    Entry{"blob.hash_mismatch", "Tệp đính kèm nhận được bị hỏng, cần gửi lại."},
    Entry{"blob.io", "Không đọc hoặc ghi được tệp đính kèm trên máy."},
    Entry{"blob.not_found", "Không tìm thấy tệp đính kèm."},
    Entry{"blob.not_referenced", "Không có quyền gửi hoặc tải tệp đính kèm này."},
    Entry{"blob.offset_mismatch", "Vị trí tiếp tục gửi tệp không khớp, sẽ gửi tiếp từ chỗ đúng."},
    Entry{"blob.too_large", "Tệp đính kèm lớn quá mức cho phép."},
    Entry{"blob.unsupported_type", "Loại tệp đính kèm này không được chấp nhận."},
    Entry{"changeset.empty", "Không có thay đổi nào để lưu."},
    Entry{"changeset.gap",
          "Máy chủ đang chờ một lần thay đổi trước đó mà thiết bị không còn giữ. Vui lòng liên "
          "hệ quản trị viên."},
    Entry{"changeset.malformed", "Dữ liệu thay đổi không đúng định dạng."},
    Entry{"changeset.too_large",
          "Lần thay đổi quá lớn. Vui lòng chia thành nhiều lần lưu nhỏ hơn."},
    Entry{"changeset.version_unsupported",
          "Dữ liệu thay đổi thuộc phiên bản mà ứng dụng này chưa hỗ trợ. Vui lòng cập nhật ứng "
          "dụng."},
    Entry{"changeset.wrong_replica", "Dữ liệu thay đổi không phải do thiết bị này tạo ra."},
    Entry{"clock.bad_stamp", "Dấu thời gian trong dữ liệu không hợp lệ."},
    Entry{"conflict.ambiguous_writer",
          "Người này đã ghi nhiều giá trị trong xung đột; hãy chọn theo số thứ tự."},
    Entry{"conflict.no_such_value",
          "Giá trị được chọn không phải một trong các phương án của xung đột."},
    Entry{"conflict.not_open", "Xung đột này đã được xử lý; hãy mở lại trước khi chọn lại."},
    Entry{"conflict.not_resolved", "Xung đột này đang mở, chưa được xử lý nên không cần mở lại."},
    Entry{"desk.bad_request", "Yêu cầu không hợp lệ. Vui lòng kiểm tra lại các giá trị đã chọn."},
    Entry{"desk.csrf",
          "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi thử lại."},
    Entry{"desk.login_required", "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."},
    Entry{"desk.no_such_list", "Không có danh sách này trên bàn làm việc."},
    Entry{"http.bad_encoding", "Dữ liệu gửi lên bị hỏng hoặc nén sai cách."},
    Entry{"http.bad_json", "Dữ liệu gửi lên không đúng định dạng JSON."},
    Entry{"http.body_too_large", "Dữ liệu gửi lên quá lớn; máy chủ không nhận."},
    Entry{"http.busy", "Máy chủ đang bận. Ứng dụng sẽ tự thử lại sau ít phút."},
    Entry{"http.method_not_allowed", "Máy chủ không hỗ trợ thao tác này."},
    Entry{"http.not_found", "Máy chủ không có địa chỉ này. Vui lòng kiểm tra địa chỉ máy chủ."},
    Entry{"http.too_many_connections",
          "Thiết bị đang mở quá nhiều kết nối tới máy chủ. Ứng dụng sẽ thử lại sau."},
    Entry{"http.too_slow",
          "Đường truyền quá chậm nên máy chủ đã ngắt kết nối. Vui lòng thử lại khi mạng tốt hơn."},
    Entry{"internal.error",
          "Đã xảy ra lỗi hệ thống ngoài dự kiến. Vui lòng báo cho quản trị viên kèm mã lỗi."},
    Entry{"ocop.applicant_type_sector",
          "Loại hình chủ thể này chỉ được đăng ký cho nhóm sản phẩm dịch vụ du lịch."},
    Entry{"ocop.calendar_invalid",
          "Lịch ngày nghỉ lễ, tết của ứng dụng bị lỗi. Vui lòng báo cho quản trị viên."},
    Entry{"ocop.calendar_year_missing",
          "Chưa có lịch ngày nghỉ lễ, tết của năm này nên chưa tính được hạn theo ngày làm việc."},
    Entry{"ocop.certificate_evaluation",
          "Giấy chứng nhận không khớp với kết quả đánh giá làm căn cứ."},
    Entry{"ocop.certificate_expiry", "Ngày hết hạn của giấy chứng nhận không hợp lệ."},
    Entry{"ocop.certificate_issuer", "Cơ quan cấp giấy chứng nhận không đúng thẩm quyền."},
    Entry{
        "ocop.certificate_revocation",
        "Thu hồi giấy chứng nhận phải có ngày thu hồi, căn cứ thu hồi và đúng cấp có thẩm quyền."},
    Entry{"ocop.certificate_rule_set_date",
          "Ngày cấp giấy chứng nhận không nằm trong thời gian hiệu lực của bộ tiêu chí."},
    Entry{"ocop.certificate_stars", "Số sao trên giấy chứng nhận không hợp lệ."},
    Entry{"ocop.commune_report_samples",
          "Số sản phẩm mẫu gửi kèm hồ sơ phải là 05 (không gửi mẫu với sản phẩm du lịch)."},
    Entry{"ocop.council_empty", "Hội đồng đánh giá chưa có thành viên nào."},
    Entry{"ocop.date_invalid", "Ngày không hợp lệ (định dạng đúng: NNNN-TT-NN)."},
    Entry{"ocop.demo_invalid", "Tham số tạo dữ liệu mẫu không hợp lệ."},
    Entry{"ocop.evaluation_item_points",
          "Điểm từng chỉ tiêu của Hội đồng không hợp lệ hoặc không khớp với tổng điểm trung bình."},
    Entry{"ocop.evaluation_ministry_referral",
          "Sản phẩm đạt từ 90 điểm phải được UBND tỉnh đề nghị Bộ Nông nghiệp và Môi trường đánh "
          "giá 5 sao; dưới 90 điểm thì không đề nghị."},
    Entry{"ocop.evaluation_score_range", "Điểm đánh giá nằm ngoài khoảng cho phép."},
    Entry{"ocop.evaluation_stars", "Số sao của kết quả đánh giá không khớp với tổng điểm."},
    Entry{"ocop.evaluation_stop_rule",
          "Phiếu chấm có chỉ tiêu dừng đánh giá: sản phẩm không được đánh giá các bước tiếp theo."},
    Entry{"ocop.inspection_producer_signature_missing",
          "Biên bản kiểm tra cần có chữ ký của đại diện cơ sở trước khi ký."},
    Entry{"ocop.inspection_signed",
          "Biên bản kiểm tra đã ký nên không thể sửa hoặc bổ sung nội dung."},
    Entry{"ocop.inspection_signed_at_missing", "Biên bản kiểm tra đã ký nhưng thiếu thời điểm ký."},
    Entry{"ocop.inspection_signed_at_range",
          "Thời điểm ký biên bản không hợp lệ: sớm hơn lúc bắt đầu kiểm tra hoặc ở tương lai."},
    Entry{"ocop.inspection_signed_delete",
          "Không thể xóa biên bản kiểm tra đã ký hoặc nội dung của biên bản đó."},
    Entry{"ocop.inspection_signer_mismatch",
          "Người ký biên bản kiểm tra không phải là tài khoản đang đăng nhập."},
    Entry{"ocop.inspection_signer_missing", "Biên bản kiểm tra đã ký nhưng thiếu người ký."},
    Entry{"ocop.inspection_signer_unknown",
          "Thiết bị chưa đăng nhập tài khoản nên chưa thể ký biên bản."},
    Entry{"ocop.inspection_unsign", "Không thể chuyển biên bản kiểm tra đã ký về trạng thái nháp."},
    Entry{"ocop.permissions_invalid",
          "Bảng phân quyền của ứng dụng bị lỗi. Vui lòng báo cho quản trị viên."},
    Entry{"ocop.proposal_certificate_unknown",
          "Không tìm thấy giấy chứng nhận được đề xuất thu hồi."},
    Entry{"ocop.proposal_revoke_certificate",
          "Đề xuất thu hồi phải chỉ rõ giấy chứng nhận cần thu hồi."},
    Entry{"ocop.proposal_revoke_ground", "Đề xuất thu hồi phải nêu rõ căn cứ thu hồi."},
    Entry{"ocop.rubric_invalid", "Phiếu chấm điểm không hợp lệ."},
    Entry{"ocop.rubric_unknown", "Không tìm thấy phiếu chấm điểm này."},
    Entry{"ocop.rule_set_incomplete", "Bộ tiêu chí chưa đầy đủ."},
    Entry{"ocop.rule_set_invalid", "Bộ tiêu chí không hợp lệ."},
    Entry{"ocop.rule_set_none_in_force", "Không có bộ tiêu chí nào có hiệu lực vào ngày này."},
    Entry{"ocop.rule_set_unknown", "Không tìm thấy bộ tiêu chí này."},
    Entry{"ocop.score_invalid", "Điểm chấm không hợp lệ."},
    Entry{"ocop.score_out_of_range", "Điểm chấm vượt quá mức tối đa của tiêu chí."},
    Entry{"ocop.unit_already_merged", "Đơn vị hành chính này đã được sáp nhập trước đó."},
    Entry{"ocop.unit_dates", "Ngày hiệu lực của đơn vị hành chính không hợp lệ."},
    Entry{"ocop.unit_exists", "Mã đơn vị hành chính này đã tồn tại."},
    Entry{"ocop.unit_merge_invalid", "Thông tin sáp nhập đơn vị hành chính không hợp lệ."},
    Entry{"ocop.unit_no_successor",
          "Đơn vị hành chính đã ngừng hoạt động nhưng chưa có đơn vị kế thừa."},
    Entry{"ocop.unit_successor_cycle", "Quan hệ kế thừa giữa các đơn vị hành chính bị vòng lặp."},
    Entry{"ocop.unit_successor_self", "Đơn vị hành chính không thể kế thừa chính nó."},
    Entry{"perm.field_denied", "Tài khoản của bạn không được sửa trường thông tin này."},
    Entry{"perm.operation_denied", "Tài khoản của bạn không được thực hiện thao tác này."},
    Entry{"perm.reference_not_covered",
          "Bản ghi được liên kết không thuộc phạm vi tài khoản của bạn hoặc không tồn tại."},
    Entry{"perm.sign_denied", "Tài khoản của bạn không có quyền ký biên bản này."},
    Entry{"perm.state_denied", "Tài khoản của bạn không được sửa bản ghi ở trạng thái hiện tại."},
    Entry{"perm.unit_not_covered", "Tài khoản của bạn không được ghi dữ liệu của đơn vị này."},
    Entry{"record.bad_id", "Mã bản ghi không hợp lệ."},
    Entry{"record.deleted", "Bản ghi này đã bị xóa nên không thể sửa."},
    Entry{"record.not_found", "Không tìm thấy bản ghi này."},
    Entry{"schema.invalid",
          "Cấu trúc dữ liệu của ứng dụng bị lỗi. Vui lòng báo cho quản trị viên."},
    Entry{"schema.unknown_collection", "Loại dữ liệu này không có trong ứng dụng."},
    Entry{"schema.unknown_field", "Trường thông tin này không có trong ứng dụng."},
    Entry{"schema.version_unsupported",
          "Dữ liệu thuộc phiên bản mới hơn phiên bản máy chủ hỗ trợ. Vui lòng liên hệ quản trị "
          "viên."},
    Entry{"sdk.bad_argument",
          "Ứng dụng gọi thư viện không đúng cách. Vui lòng báo nhà phát triển."},
    Entry{"sdk.closed", "Cơ sở dữ liệu trên máy đã đóng; hãy mở lại ứng dụng."},
    Entry{"sdk.handle_busy",
          "Cơ sở dữ liệu trên máy vẫn đang đồng bộ; hãy đợi đồng bộ kết thúc rồi thử lại."},
    Entry{"sdk.in_listener",
          "Ứng dụng gọi thư viện trong lúc đang báo tiến độ đồng bộ. Vui lòng báo nhà phát triển."},
    Entry{"sdk.sync_running", "Đang đồng bộ; hãy đợi lần đồng bộ này kết thúc."},
    Entry{"search.empty_query", "Hãy nhập ít nhất một từ để tìm kiếm."},
    Entry{"store.busy", "Dữ liệu trên máy đang bận. Vui lòng thử lại sau giây lát."},
    Entry{"store.corrupt",
          "Tệp dữ liệu bị hỏng. Vui lòng liên hệ quản trị viên để khôi phục từ bản sao lưu."},
    Entry{"store.full",
          "Bộ nhớ đã đầy nên chưa lưu được. Vui lòng giải phóng dung lượng rồi thử lại."},
    Entry{"store.in_use",
          "Dữ liệu đang được một chương trình khác sử dụng. Vui lòng dừng chương trình đó trước."},
    Entry{"store.io", "Không đọc hoặc ghi được dữ liệu trên máy. Vui lòng thử lại sau."},
    Entry{"store.layout_too_new",
          "Dữ liệu máy chủ do phiên bản mới hơn tạo ra. Vui lòng liên hệ quản trị viên để cài "
          "đúng phiên bản hoặc khôi phục từ bản sao lưu."},
    Entry{"store.not_empty",
          "Cơ sở dữ liệu đích đã có dữ liệu nên không sao chép vào. Vui lòng chọn một schema "
          "trống."},
    Entry{"sync.cancelled", "Đã hủy đồng bộ; dữ liệu chưa gửi vẫn được giữ trên máy."},
    Entry{"sync.lost_in_restore",
          "Một số thay đổi đã bị mất khi máy chủ khôi phục từ bản sao lưu. Vui lòng liên hệ quản "
          "trị viên."},
    Entry{"sync.malformed", "Dữ liệu đồng bộ không đúng định dạng."},
    Entry{"sync.network", "Mất kết nối với máy chủ; dữ liệu vẫn được giữ trên máy và sẽ gửi lại."},
    Entry{"sync.no_connection",
          "Thiết bị chưa có kết nối mạng; dữ liệu vẫn được giữ trên máy và sẽ gửi khi có mạng."},
    Entry{"sync.no_scope_policy",
          "Ứng dụng chưa được cấu hình đúng để đồng bộ theo địa bàn. Vui lòng liên hệ quản trị "
          "viên."},
    Entry{"sync.no_transport",
          "Ứng dụng chưa có cách kết nối tới máy chủ. Vui lòng liên hệ quản trị viên."},
    Entry{"sync.not_enrolled", "Thiết bị chưa đăng nhập vào máy chủ. Vui lòng đăng nhập."},
    Entry{"sync.replica_mismatch",
          "Thiết bị này đã được đăng ký cho tài khoản khác. Vui lòng đăng nhập lại."},
    Entry{"sync.server_error",
          "Máy chủ trả lời không đúng như mong đợi; dữ liệu vẫn được giữ trên máy."},
    Entry{"sync.timeout",
          "Máy chủ không phản hồi kịp thời; dữ liệu vẫn được giữ trên máy và sẽ gửi lại."},
    Entry{"sync.tls",
          "Không thiết lập được kết nối an toàn tới máy chủ (chứng chỉ không hợp lệ). Vui lòng "
          "kiểm tra địa chỉ máy chủ hoặc liên hệ quản trị viên."},
    Entry{"sync.too_large", "Dữ liệu đồng bộ quá lớn cho một lần gửi."},
    Entry{"sync.version_unsupported",
          "Phiên bản ứng dụng không tương thích với máy chủ. Vui lòng cập nhật ứng dụng."},
    Entry{"value.bad_format",
          "Giá trị không đúng định dạng (ngày, giờ, mã liên kết hoặc văn bản)."},
    Entry{"value.not_in_enum", "Giá trị không nằm trong danh sách được chọn."},
    Entry{"value.not_nfc", "Văn bản chưa được chuẩn hóa Unicode (NFC)."},
    Entry{"value.required_missing", "Chưa nhập thông tin bắt buộc."},
    Entry{"value.too_long", "Giá trị dài quá mức cho phép."},
    Entry{"value.type_mismatch", "Giá trị không đúng kiểu dữ liệu của trường."},
};

constexpr bool sorted() {
    for (size_t i = 1; i < kCatalogue.size(); ++i)
        if (!(kCatalogue[i - 1].first < kCatalogue[i].first)) return false;
    return true;
}
static_assert(sorted(), "kCatalogue must be sorted by code, without duplicates");

}  // namespace

std::string_view message_vi(std::string_view code) noexcept {
    const auto it =
        std::lower_bound(kCatalogue.begin(), kCatalogue.end(), code,
                         [](const Entry& e, std::string_view c) { return e.first < c; });
    if (it == kCatalogue.end() || it->first != code) return {};
    return it->second;
}

std::string message_vi_or_generic(std::string_view code) {
    const std::string_view known = message_vi(code);
    if (!known.empty()) return std::string(known);
    return "Đã xảy ra lỗi (mã " + std::string(code) + ").";
}

}  // namespace ocop
