// ocop-admin: see admin_cli.hpp.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "ocop/server/admin_cli.hpp"

namespace {

// Turns terminal echo off while the password is typed; restores it on scope exit.
class NoEcho {
  public:
    NoEcho() {
        if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    ~NoEcho() {
        if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
    }

  private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    const bool tty = isatty(STDIN_FILENO) == 1;
    std::optional<NoEcho> no_echo;
    if (tty) no_echo.emplace();
    return ocop::server::run_admin(args, {std::cin, std::cout, std::cerr, tty});
}
