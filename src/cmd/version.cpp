#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include <cstdio>

#include "cmd/commands.h"

namespace lt::cmd {

void add_version(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("version", "Print the version of logtracer and of the libraries it uses");
  sub->callback([&exit_code] {
    std::printf("logtracer %s\nlibrdkafka %s\nsimdjson %s\n", LT_VERSION, rd_kafka_version_str(),
                SIMDJSON_STRINGIFY(SIMDJSON_VERSION));
    exit_code = 0;
  });
}

}  // namespace lt::cmd
