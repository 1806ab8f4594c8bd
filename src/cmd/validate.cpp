// `logtracer validate FILE...`: every problem of every file as FILE:LINE:COL, exit 1 on any error.
#include <cstdio>
#include <string>
#include <vector>

#include "cmd/commands.h"
#include "config/builtin_checks.h"
#include "config/load.h"

namespace lt::cmd {

void add_validate(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("validate", "Check config files; print every problem as FILE:LINE:COL: message");
  auto files = std::make_shared<std::vector<std::string>>();
  auto print = std::make_shared<bool>(false);
  auto no_file_checks = std::make_shared<bool>(false);
  sub->add_option("files", *files, "Config files (YAML)")->required()->expected(1, -1);
  sub->add_flag("--print", *print,
                "Also print the effective configuration (defaults applied, secrets as ***, URLs without credentials)");
  sub->add_flag("--no-file-checks", *no_file_checks,
                "Do not check that the files the config reads (GeoIP databases, lookup tables, TLS certificates and "
                "keys) exist: for a config meant for another machine or a container");
  sub->footer(
      "Examples:\n"
      "  logtracer validate config/producer.yaml config/consumer.yaml\n"
      "  LT_BROKERS=kafka:9092 logtracer validate --print config/stack/consumer.yaml\n"
      "${VAR} and ${VAR:-default} are substituted from the environment, as when the service starts.\n"
      "Relative file paths are checked from the current directory: run it where the service runs.\n"
      "Exit status 0 when every file is valid (warnings allowed), 1 otherwise.");
  sub->callback([&exit_code, files, print, no_file_checks] {
    exit_code = 0;
    config::LoadOptions options;
    if (!*no_file_checks) options.extra_validators.push_back(config::check_referenced_files);
    for (const auto& file : *files) {
      auto result = config::load_file(file, options);
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
