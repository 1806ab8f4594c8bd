// logtracer: one binary, one subcommand per service of the topology.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

#include "cmd/commands.h"
#include "services/validators.h"

int main(int argc, char** argv) {
  CLI::App app{
      "logtracer — real-time log monitoring around Kafka.\n"
      "Ship logs (produce), process them in a consumer group (consume), watch them live (dashboard),\n"
      "or run everything in one process (run)."};
  app.require_subcommand(1);
  app.footer(
      "Start here:\n"
      "  logtracer run                                 # everything in one process, demo data: http://127.0.0.1:8080\n"
      "  logtracer validate my.yaml                    # check a config before using it\n"
      "  logtracer SUBCOMMAND --help                   # options and examples of each subcommand\n"
      "Docs: docs/getting-started.md, docs/configuration.md (every config key), docs/operations.md.");
  app.set_version_flag("--version", LT_VERSION);
  lt::services::register_config_validators();
  int exit_code = 0;
  lt::cmd::add_run(app, exit_code);
  lt::cmd::add_produce(app, exit_code);
  lt::cmd::add_consume(app, exit_code);
  lt::cmd::add_dashboard(app, exit_code);
  lt::cmd::add_tail(app, exit_code);
  lt::cmd::add_dlq(app, exit_code);
  lt::cmd::add_validate(app, exit_code);
  lt::cmd::add_hash_password(app, exit_code);
  lt::cmd::add_config_reference(app, exit_code);
  lt::cmd::add_version(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return exit_code;
}
