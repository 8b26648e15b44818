// ocop-admin: accounts, roles, devices and the audit trail, beside (or without) a running server.
// Every command works on the files of one data directory: DIR/accounts.db (users, grants,
// devices), DIR/ocop.db (the data store: administrative units) and DIR/audit.db (the audit
// trail). A running server keeps working meanwhile (SQLite WAL; short transactions).
//
//   ocop-admin --data DIR user add NAME              password: one line on stdin, never in argv
//   ocop-admin --data DIR user list                  JSON array of users with their grants
//   ocop-admin --data DIR user grant NAME ROLE UNIT  ROLE on admin_unit UNIT (and units below it)
//              [--allow-unknown-unit]            UNIT need not exist yet (a new province's
//                                                administrator creates the units from a device)
//   ocop-admin --data DIR user ungrant NAME ROLE UNIT
//   ocop-admin --data DIR user disable NAME          the user's devices stop syncing at once
//   ocop-admin --data DIR user enable NAME           ... and sync again with their tokens
//   ocop-admin --data DIR device list                JSON array of devices (revoked, reason, dates)
//   ocop-admin --data DIR device revoke ID --reason TEXT   the device is told TEXT
//   ocop-admin --data DIR device reinstate ID        the device may log in again
//   ocop-admin --data DIR unit list                  JSON array of administrative units (ids)
//   ocop-admin --data DIR audit [--user U] [--device D] [--outcome O] [--since T] [--until T]
//                               [--limit N]          JSON array of audit entries, newest first
//
// Times are printed in ISO 8601 UTC; --since/--until take a date (UTC midnight) or a date-time
// with Z or an offset. Roles are those of the permission table (docs/permissions.md).
//
// Exit status: 0 done, 1 refused or failed (user exists, weak password, unknown role, unit or
// device, store error), 2 usage. Errors are one line on stderr: "ocop-admin: <code>: <message>".
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "ocop/server/tuning.hpp"

namespace ocop::server {

struct AdminIo {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool prompt = false;  // stdin is a terminal: ask for the password, without echo
};

// `args` excludes the program name. `pbkdf2_iterations` is for tests; production keeps the default.
int run_admin(const std::vector<std::string>& args, AdminIo io,
              uint32_t pbkdf2_iterations = tuning::pbkdf2_iterations);

}  // namespace ocop::server
