#include <cstdio>

#include "cmd/commands.h"

namespace lt::cmd {

void add_produce(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("produce", "produce (not built yet)");
  sub->allow_extras();
  sub->callback([&exit_code] {
    std::fprintf(stderr, "logtracer produce: not built yet\n");
    exit_code = 2;
  });
}

}  // namespace lt::cmd
