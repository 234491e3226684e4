#pragma once
// What a subcommand is made of: its name, its help, its options and the function that runs it.

#include <filesystem>
#include <string_view>
#include <vector>

#include "arguments.hpp"

namespace switchboard::cli {

struct CommandContext {
  ParsedArguments arguments;  // the command's options, the global ones, and the positionals
  std::filesystem::path catalog_file;
};

struct Command {
  std::string_view name;
  std::string_view summary;      // one line, for the top-level help
  std::string_view usage;        // what follows "switchboard " in the usage line
  std::string_view description;  // printed under the usage line
  std::vector<OptionSpec> options;  // the command's own; the global options are added by main
  int (*run)(const CommandContext& context) = nullptr;  // returns the exit code
};

Command providers_command();
Command models_command();
Command run_command();
Command chat_command();
Command bench_command();
Command pull_command();
Command ls_command();
Command rm_command();
Command du_command();

// Options every command accepts, before or after its name.
const std::vector<OptionSpec>& global_options();

}  // namespace switchboard::cli
