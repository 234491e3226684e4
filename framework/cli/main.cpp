// The `switchboard` command: reads the global options, picks the subcommand, and turns every
// kind of failure into its message on stderr and its exit code (see exit_codes.hpp).

#include <exception>
#include <string>
#include <vector>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "output.hpp"
#include "runtime_access.hpp"

namespace switchboard::cli {

const std::vector<OptionSpec>& global_options() {
  static const std::vector<OptionSpec> options = {
      {"--catalog", "FILE", "the catalog to use (default: $SWITCHBOARD_CATALOG, then the installed default.yaml)"},
      {"--log-level", "LEVEL", "trace, debug, info, warn, error, critical or off (default: $SWITCHBOARD_LOG, else warn)"},
      {"--help", "", "show this help and exit", "-h"},
      {"--version", "", "show the version and exit"},
  };
  return options;
}

namespace {

std::vector<Command> all_commands() {
  return {providers_command(), models_command(), run_command(), chat_command(), bench_command(),
          pull_command(),      ls_command(),     rm_command(),  du_command()};
}

const Command& find_command(const std::vector<Command>& commands, const std::string& name) {
  std::string names;
  for (const auto& command : commands) {
    if (command.name == name) return command;
    names += (names.empty() ? "" : ", ") + std::string(command.name);
  }
  throw UsageError("unknown command '" + name + "'; the commands are " + names);
}

void apply_log_level(const ParsedArguments& arguments) {
  if (auto level = arguments.value("--log-level")) {
    try {
      set_log_level(*level);
    } catch (const Error&) {
      throw UsageError("option '--log-level' expects one of trace, debug, info, warn, error, critical, off; got '" +
                       *level + "'");
    }
    return;
  }
  try {
    init_logging_from_env();
  } catch (const Error& error) {
    throw CommandFailure(kExitConfig, {std::string("$SWITCHBOARD_LOG: ") + error.what()});
  }
}

// The usage hint printed after a usage error; names the subcommand when there is one.
std::string help_hint(const std::string& command_name) {
  std::string command = command_name.empty() ? "" : command_name + " ";
  return "Run 'switchboard " + command + "--help' for usage.";
}

int run_main(const std::vector<std::string>& args, std::string& command_name) {
  const std::vector<Command> commands = all_commands();
  ParseResult top = parse_arguments(args, global_options(), "", /*stop_at_first_positional=*/true);
  if (top.arguments.has("--version")) {
    write_stdout("switchboard " SWITCHBOARD_VERSION "\n");
    return kExitSuccess;
  }
  if (top.arguments.has("--help")) {
    write_stdout(top_level_help(commands));
    return kExitSuccess;
  }
  if (top.rest.empty()) throw UsageError("missing COMMAND; the commands are providers, models, run, chat, bench, pull, ls, rm, du");

  const Command& command = find_command(commands, top.rest.front());
  command_name = command.name;
  std::vector<OptionSpec> specs = command.options;
  specs.insert(specs.end(), global_options().begin(), global_options().end());
  std::vector<std::string> command_args(top.rest.begin() + 1, top.rest.end());
  ParsedArguments arguments = parse_arguments(command_args, specs, command.name).arguments;
  // Global options may come before the command's name too; those after it win.
  for (const auto& option : global_options()) {
    if (arguments.has(option.name)) continue;
    for (auto& value : top.arguments.values(option.name)) arguments.add(option.name, value);
  }

  if (arguments.has("--help")) {
    write_stdout(command_help(command));
    return kExitSuccess;
  }
  if (arguments.has("--version")) {
    write_stdout("switchboard " SWITCHBOARD_VERSION "\n");
    return kExitSuccess;
  }
  apply_log_level(arguments);
  std::filesystem::path catalog_file;
  if (auto file = arguments.value("--catalog")) {
    catalog_file = *file;
  } else {
    try {
      // Looks at $SWITCHBOARD_CATALOG before the installed default.yaml.
      catalog_file = Catalog::default_path();
    } catch (const Error& error) {
      throw CommandFailure(kExitConfig, {std::string("no catalog: ") + error.what() + "; pass --catalog FILE"});
    }
  }
  return command.run(CommandContext{std::move(arguments), std::move(catalog_file)});
}

}  // namespace
}  // namespace switchboard::cli

int main(int argc, char** argv) {
  using namespace switchboard::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command_name;
  try {
    return run_main(args, command_name);
  } catch (const UsageError& error) {
    print_error(error.what());
    print_note(help_hint(command_name));
    return kExitUsage;
  } catch (const CommandFailure& failure) {
    for (const auto& line : failure.lines()) print_error(line);
    return failure.exit_code();
  } catch (const switchboard::CatalogError& error) {
    for (const auto& issue : error.issues()) print_error(issue.to_string());
    return kExitConfig;
  } catch (const switchboard::Error& error) {
    print_error(std::string(to_string(error.category())) + ": " + error.what());
    return kExitFailure;
  } catch (const std::exception& error) {
    print_error(error.what());
    return kExitFailure;
  }
}
