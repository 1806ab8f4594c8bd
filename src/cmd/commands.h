// Each subcommand lives in its own file and registers itself here, in one
// explicit list (see main.cpp): adding a command is adding one line.
#pragma once

#include <CLI/CLI.hpp>

namespace lt::cmd {

// Each add_* registers a subcommand on `app`; its callback sets the exit code.
void add_produce(CLI::App& app, int& exit_code);
void add_consume(CLI::App& app, int& exit_code);
void add_dashboard(CLI::App& app, int& exit_code);
void add_tail(CLI::App& app, int& exit_code);
void add_run(CLI::App& app, int& exit_code);
void add_validate(CLI::App& app, int& exit_code);
void add_config_reference(CLI::App& app, int& exit_code);
void add_version(CLI::App& app, int& exit_code);
void add_dlq(CLI::App& app, int& exit_code);
void add_hash_password(CLI::App& app, int& exit_code);

}  // namespace lt::cmd
