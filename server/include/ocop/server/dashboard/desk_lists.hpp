// The desk's lists: every page's table and every CSV/XLSX export come from build_list, so a
// page and its export show the same rows. All reads go through DeskData, which holds to the
// viewer's scope: only records whose unit the viewer's grants cover (the devices' ScopePolicy),
// so a commune officer's page, search, export or guessed URL never shows another commune's
// record.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ocop/core/store.hpp"
#include "ocop/server/dashboard/desk_context.hpp"
#include "ocop/server/dashboard/desk_http.hpp"

namespace ocop::server::desk {

// One typed cell: exports write numbers as numbers and dates as dates.
struct DeskCell {
    enum class Kind { text, number, date };
    Kind kind = Kind::text;
    std::string text;   // for number cells: as shown
    double number = 0;  // number cells
    static DeskCell str(std::string s) { return {Kind::text, std::move(s), 0}; }
    static DeskCell num(double n);
    static DeskCell date(std::string iso) { return {Kind::date, std::move(iso), 0}; }
};

struct DeskLink {
    std::string label;
    std::string href;
};

struct DeskTable {
    std::string list;   // the list's id ("products")
    std::string title;  // Vietnamese
    std::vector<std::string> headers;
    std::vector<std::vector<DeskCell>> rows;
    std::vector<std::vector<DeskLink>> links;  // per row (may be empty)
    std::vector<std::string> ids;              // per row: the record id
};

// A filter of a list: a select when it has options, a text box otherwise.
struct ListFilter {
    std::string name;
    std::string label;
    std::vector<std::pair<std::string, std::string>> options;  // value, label
};

// Every read of a desk request, held to the viewer's scope.
class DeskData {
  public:
    DeskData(DeskContext& ctx, const Viewer& viewer) : ctx_(ctx), viewer_(viewer) {}

    // Every live record of `collection` whose unit the viewer covers.
    RecordList records(std::string_view collection);
    // Those whose `field` references `id`.
    std::vector<Record> referencing(std::string_view collection, std::string_view field,
                                    std::string_view id);
    // One record, if it exists, is live and the viewer covers its unit.
    std::optional<Record> record(std::string_view collection, std::string_view id);

    std::string unit_name(std::string_view id);
    // A record's display name (`field`, else `site_name`), "" when not in scope. `field` is
    // the same for every call of one collection.
    std::string name_of(std::string_view collection, std::string_view id,
                        std::string_view field = "name");
    // The communes the viewer covers, in force, by name: id, name.
    std::vector<std::pair<std::string, std::string>> communes();

    DeskContext& ctx() { return ctx_; }
    const Viewer& viewer() const { return viewer_; }

  private:
    DeskContext& ctx_;
    const Viewer& viewer_;
    // collection -> id -> name (the records in scope; admin units all)
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> names_;
};

// The lists a viewer may open: id, title.
const std::vector<std::pair<std::string, std::string>>& desk_lists();
// The filters of a list for this viewer (the communes it covers, the rounds in its data).
std::vector<ListFilter> list_filters(DeskData& data, std::string_view list);
// The rows of `list` matching `params` (the filters and "q", a search that ignores case,
// diacritics and đ). Throws Error(not_found, desk.no_such_list).
DeskTable build_list(DeskData& data, std::string_view list, const Params& params);

// The text of a value as a person reads it (an enumeration's Vietnamese label).
std::string shown(std::string_view collection, std::string_view field, const Value& value);
// A field's Vietnamese label from the schema (the field's name when it has none).
std::string field_label(std::string_view collection, std::string_view field);

}  // namespace ocop::server::desk
