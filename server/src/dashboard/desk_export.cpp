#include "ocop/server/dashboard/desk_export.hpp"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <xlsxwriter.h>

#include <fstream>
#include <sstream>

#include "ocop/core/error.hpp"
#include "ocop/core/error_codes.hpp"
#include "ocop/domain/date.hpp"

namespace ocop::server::desk {

namespace {

std::string csv_field(const std::string& s) {
    // A leading =, +, - or @ would be a formula to a spreadsheet: quoted with a ' (OWASP).
    const bool formula = !s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
    if (!formula && s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    if (formula) out += "'";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void check(lxw_error e, const char* what) {
    if (e != LXW_NO_ERROR)
        throw Error(ErrorKind::internal, errc::internal_error,
                    std::string("XLSX export: ") + what + ": " + lxw_strerror(e));
}

}  // namespace

std::string to_csv(const DeskTable& t) {
    std::string out = "\xEF\xBB\xBF";
    for (size_t i = 0; i < t.headers.size(); ++i) out += (i ? "," : "") + csv_field(t.headers[i]);
    out += "\r\n";
    for (const auto& row : t.rows) {
        for (size_t i = 0; i < row.size(); ++i) {
            const auto& c = row[i];
            out += (i ? "," : "") + (c.kind == DeskCell::Kind::number ? c.text : csv_field(c.text));
        }
        out += "\r\n";
    }
    return out;
}

std::string to_xlsx(const DeskTable& t) {
    // libxlsxwriter 1.1 writes to a file only.
    Poco::TemporaryFile file;
    const std::string path = file.path() + ".xlsx";
    Poco::TemporaryFile::registerForDeletion(path);
    lxw_workbook* wb = workbook_new(path.c_str());
    if (!wb)
        throw Error(ErrorKind::internal, errc::internal_error,
                    "XLSX export: cannot create " + path);
    std::string sheet_name = t.list.substr(0, 31);
    lxw_worksheet* ws = workbook_add_worksheet(wb, sheet_name.c_str());
    lxw_format* bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_format* date = workbook_add_format(wb);
    format_set_num_format(date, "dd/mm/yyyy");
    for (size_t c = 0; c < t.headers.size(); ++c) {
        worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), t.headers[c].c_str(), bold);
        worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), 20, nullptr);
    }
    for (size_t r = 0; r < t.rows.size(); ++r) {
        const auto row = static_cast<lxw_row_t>(r + 1);
        for (size_t c = 0; c < t.rows[r].size(); ++c) {
            const DeskCell& cell = t.rows[r][c];
            const auto col = static_cast<lxw_col_t>(c);
            const auto d = cell.kind == DeskCell::Kind::date ? domain::Date::try_parse(cell.text)
                                                             : std::nullopt;
            if (cell.kind == DeskCell::Kind::number) {
                worksheet_write_number(ws, row, col, cell.number, nullptr);
            } else if (d) {
                lxw_datetime dt{d->year(), d->month(), d->day(), 0, 0, 0};
                worksheet_write_datetime(ws, row, col, &dt, date);
            } else if (!cell.text.empty()) {
                worksheet_write_string(ws, row, col, cell.text.c_str(), nullptr);
            }
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    check(workbook_close(wb), "closing the workbook");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    Poco::File(path).remove();
    return bytes.str();
}

}  // namespace ocop::server::desk
