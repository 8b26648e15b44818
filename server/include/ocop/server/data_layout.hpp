// The data directory's layout version (docs/operations.md, "Upgrade"): one number for the whole
// directory (ocop.db, accounts.db, audit.db), kept in DIR/data-layout, so that a server or
// ocop-admin of any release can tell before it opens a database whether it understands them.
//
//   layout 1  every release before the marker existed: no DIR/data-layout; accounts.db version 2,
//             audit.db version 1, ocop.db store_format 1 (tests/fixtures/data-layout-1/)
//   layout 2  DIR/data-layout itself; audit.db version 2: index audit_by_outcome, so that
//             `ocop-admin audit --outcome refused` finds the newest refusals without reading the
//             whole trail
//   layout 3  ocop.db store_format 2: column cells.scope and index cells_by_scope (scope, seq),
//             so that a commune's pull reads its units' rows only (docs/storage.md)
//
// The marker is two lines of text, replaced atomically (written beside, fsync, rename, fsync of
// the directory):
//   ocop-data-layout 3
//   release 0.1.0          (the release that wrote it: what an older one tells the operator to
//                           install)
//
// A newer build opening an older directory migrates it step by step (upgrade_data_layout), each
// step one SQLite transaction on one file, guarded by that file's own version (PRAGMA
// user_version), and rewrites the marker after each step. Crash story: a step interrupted before
// its commit leaves its file as it was; one interrupted after its commit but before the marker was
// replaced leaves the marker one layout behind, and the step, run again, finds its file done and
// does nothing. The marker is never half-written. An older build refuses a newer directory with
// store.layout_too_new naming the layout and the release it needs, before it opens anything.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace ocop::server {

inline constexpr int data_layout_version = 3;
inline constexpr const char* data_layout_file = "data-layout";

// The directory's layout: its marker's; 1 for a directory holding any of the databases but no
// marker (written before markers existed); 0 for a directory with neither, or none at all.
// Throws Error(store.layout_too_new) for a layout newer than data_layout_version, and
// Error(store.corrupt) for a marker that is not one.
int data_layout_of(const std::string& dir);

struct LayoutUpgrade {
    int from = 0;                    // the layout found (0: a new directory)
    int to = 0;                      // the layout now
    std::vector<std::string> steps;  // what was changed, one line per step that changed a file
};

// Refuses a newer directory (as data_layout_of), migrates an older one to data_layout_version
// step by step, and marks a new one. `log` gets one line before a migration and one per step
// that changed a file (nothing for a directory already current, new, or whose files are). A
// directory that does not exist is left alone ({0, 0}): whatever opens it first creates it.
LayoutUpgrade upgrade_data_layout(const std::string& dir,
                                  const std::function<void(const std::string&)>& log);

// Replaces DIR/data-layout atomically with `version` and this build's release.
void write_data_layout(const std::string& dir, int version);

}  // namespace ocop::server
