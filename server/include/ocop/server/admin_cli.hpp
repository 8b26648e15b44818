// ocop-admin: accounts administration beside (or without) a running server.
//
//   ocop-admin --data DIR user add NAME    password: one line on stdin, never on the command line
//   ocop-admin --data DIR user list        JSON array of users
//   ocop-admin --data DIR device list      JSON array of enrolled devices
//
// Exit status: 0 done, 1 refused or failed (user exists, weak password, store error), 2 usage.
// Errors are one line on stderr: "ocop-admin: <code>: <message>".
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
