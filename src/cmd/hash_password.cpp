// `logtracer hash-password`: reads a password (without echo on a terminal, or
// the first line of stdin) and prints its argon2id hash for dashboard.auth.users[].password_hash.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "cmd/commands.h"
#include "dashboard/auth.h"

namespace lt::cmd {
namespace {

// One line from stdin; on a terminal the echo is off while it is typed.
bool read_secret(const char* prompt, std::string& out) {
  const bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "%s", prompt);
    std::fflush(stderr);
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fprintf(stderr, "\n");
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return ok || !out.empty();
}

int run_hash_password() {
  std::string password, again;
  if (!read_secret("Password: ", password)) {
    std::fprintf(stderr, "logtracer hash-password: no password on stdin\n");
    return 2;
  }
  if (isatty(STDIN_FILENO)) {
    if (!read_secret("Again: ", again) || again != password) {
      std::fprintf(stderr, "logtracer hash-password: the passwords differ\n");
      return 2;
    }
  }
  if (password.empty()) {
    std::fprintf(stderr, "logtracer hash-password: refusing an empty password\n");
    return 2;
  }
  try {
    std::printf("%s\n", dashboard::hash_password(password).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logtracer hash-password: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

void add_hash_password(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand(
      "hash-password",
      "Read a password (no echo on a terminal; else the first line of stdin) and print its argon2id hash for "
      "dashboard.auth.users[].password_hash.");
  sub->footer(
      "Examples:\n"
      "  logtracer hash-password            (asks twice, without echo)\n"
      "  printf '%s\\n' \"$PASSWORD\" | logtracer hash-password\n"
      "Paste the output into dashboard.auth.users[].password_hash. Exit status 0 on success, 2 when no\n"
      "password was given or the two entries differ.");
  sub->callback([&exit_code] { exit_code = run_hash_password(); });
}

}  // namespace lt::cmd
