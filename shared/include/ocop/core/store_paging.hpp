// How every Store backend pages its reads, written once: the SQLite store (devices, the embedded
// default) and the PostgreSQL store (a province) differ only in the statements they run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocop/core/store.hpp"

namespace ocop {

// Which index yields a query's candidate ids: the first filter's value decides. Only references
// (a quoted UUID, 38 bytes of JSON) and blob references (a quoted "sha256:<hex>", 73 bytes) are
// indexed by value; any other filter scans the collection.
enum class CandidateIndex { record_ids, reference, blob, value };
CandidateIndex candidate_index(const std::vector<FieldFilter>& filters);

// Store::query: `candidates(after, batch)` gives up to `batch` ids after `after` in id order
// (from the index above); each is read whole by `read` and kept if it is live and matches every
// filter, until `limit` records are found or the ids run out.
std::vector<Record> query_by_candidates(
    const std::vector<FieldFilter>& filters, size_t limit, std::string_view after_id,
    const std::function<std::vector<std::string>(const std::string& after, size_t batch)>&
        candidates,
    const std::function<std::optional<Record>(const std::string& id)>& read);

// Store::changes_since: rows arrive in sequence order, at most rows_to_read() of them (one more
// than a page holds tells whether more exist). For each row, fits(bytes) says whether it still
// belongs on the page (always the first; then while the cells and their bytes stay within the
// limits); a row that does not fit ends the page with `more`.
class ChangePageFiller {
  public:
    ChangePageFiller(uint64_t cursor, size_t max_cells, size_t max_bytes);
    uint64_t rows_to_read() const noexcept { return static_cast<uint64_t>(max_cells_) + 1; }
    bool fits(size_t bytes);
    void add(Cell cell);
    ChangePage take() { return std::move(page_); }

  private:
    ChangePage page_;
    size_t max_cells_;
    size_t max_bytes_;
    size_t bytes_ = 0;
};

}  // namespace ocop
