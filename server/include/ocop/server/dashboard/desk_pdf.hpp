// The papers officials sign, as PDF (libharu with a Unicode TrueType font, UTF-8 text): the
// inspection minutes, the commune's report on a product (Form 03) and the council members' score
// sheets of an evaluation. Laid out like the paper forms: the national motto, the title, the
// content, and a signature block per signer.
#pragma once

#include <string>

#include "ocop/core/store.hpp"
#include "ocop/server/dashboard/desk_lists.hpp"

namespace ocop::server::desk {

// The font the PDFs use (Debian fonts-dejavu-core); OCOP_PDF_FONT overrides it at build time.
#ifndef OCOP_PDF_FONT
#define OCOP_PDF_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#endif

std::string inspection_minutes_pdf(DeskData& data, const Record& inspection);
std::string commune_report_pdf(DeskData& data, const Record& registration);
std::string score_sheets_pdf(DeskData& data, const Record& evaluation);

}  // namespace ocop::server::desk
