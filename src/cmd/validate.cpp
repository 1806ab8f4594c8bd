// `logtracer validate FILE...`: every problem of every file as FILE:LINE:COL, exit 1 on any error.
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/load.h"

namespace lt::cmd {

void add_validate(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("validate", "Check config files; print every problem as FILE:LINE:COL: message");
  auto files = std::make_shared<std::vector<std::string>>();
  auto print = std::make_shared<bool>(false);
  sub->add_option("files", *files, "Config files (YAML)")->required()->expected(1, -1);
  sub->add_flag("--print", *print, "Also print the effective configuration (defaults applied, secrets as ***)");
  sub->footer(
      "Examples:\n"
      "  logtracer validate config/producer.yaml config/consumer.yaml\n"
      "  LT_BROKERS=kafka:9092 logtracer validate --print config/stack/consumer.yaml\n"
      "${VAR} and ${VAR:-default} are substituted from the environment, as when the service starts.\n"
      "Exit status 0 when every file is valid (warnings allowed), 1 otherwise.");
  sub->callback([&exit_code, files, print] {
    exit_code = 0;
    for (const auto& file : *files) {
      auto result = config::load_file(file);
      for (const auto& diagnostic : result.diagnostics) std::fprintf(stderr, "%s\n", diagnostic.to_string().c_str());
      if (!result.ok()) {
        exit_code = 1;
        continue;
      }
      std::size_t warnings = result.diagnostics.size();
      if (warnings == 0) {
        std::printf("%s: ok\n", file.c_str());
      } else {
        std::printf("%s: ok (%zu warning%s)\n", file.c_str(), warnings, warnings == 1 ? "" : "s");
      }
      if (*print) std::printf("%s", config::dump_yaml(*result.config).c_str());
    }
    std::fflush(stdout);
  });
}

}  // namespace lt::cmd
