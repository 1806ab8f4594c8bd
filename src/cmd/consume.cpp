#include <cstdio>

#include "cmd/commands.h"

namespace lt::cmd {

void add_consume(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("consume", "consume (not built yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    std::fprintf(stderr, "logtracer consume: not built yet\n");
    exit_code = 2;
  });
}

}  // namespace lt::cmd
