#include <cstdio>

#include "cmd/commands.h"

namespace lt::cmd {

void add_validate(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("validate", "validate (not built yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    std::fprintf(stderr, "logtracer validate: not built yet\n");
    exit_code = 2;
  });
}

}  // namespace lt::cmd
