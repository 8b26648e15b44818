// A desk list as a file: CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
// Vietnamese headers right; RFC 4180 quoting) and XLSX (libxlsxwriter: numbers as numbers,
// dates as dates, a bold header row).
#pragma once

#include <string>

#include "ocop/server/dashboard/desk_lists.hpp"

namespace ocop::server::desk {

std::string to_csv(const DeskTable& table);
// Throws Error(internal.error) when libxlsxwriter fails.
std::string to_xlsx(const DeskTable& table);

}  // namespace ocop::server::desk
