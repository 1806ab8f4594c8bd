// `logtracer config-reference`: the Markdown reference of every config key (docs/configuration.md).
#include <cstdio>

#include "cmd/commands.h"
#include "config/reference.h"

namespace lt::cmd {

void add_config_reference(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("config-reference",
                                 "Print the configuration reference (Markdown), generated from the schema");
  sub->footer("docs/configuration.md is this output: logtracer config-reference > docs/configuration.md (make docs).");
  sub->callback([&exit_code] {
    std::string text = config::reference_markdown();
    std::fwrite(text.data(), 1, text.size(), stdout);
    exit_code = 0;
  });
}

}  // namespace lt::cmd
