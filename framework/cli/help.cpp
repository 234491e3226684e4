#include "help.hpp"

#include <algorithm>

namespace switchboard::cli {
namespace {

constexpr std::string_view kExitStatusText =
    "Exit status:\n"
    "  0    success\n"
    "  1    the generation failed (finish reason \"error\") or another runtime error\n"
    "  2    usage error: an unknown flag, a missing or malformed argument\n"
    "  3    catalog or configuration error (every catalog problem is printed as file:line:column)\n"
    "  4    model or provider not found, or it could not start\n"
    "  130  interrupted by Ctrl-C\n";

std::string option_label(const OptionSpec& option) {
  std::string label;
  if (!option.short_name.empty()) label += std::string(option.short_name) + ", ";
  label += option.name;
  if (!option.value_name.empty()) {
    label += ' ';
    label += option.value_name;
  }
  return label;
}

// Options in two columns: the flag and its value, then the help text.
std::string option_table(const std::vector<OptionSpec>& options) {
  std::size_t width = 0;
  for (const auto& option : options) width = std::max(width, option_label(option).size());
  std::string table;
  for (const auto& option : options) {
    std::string label = option_label(option);
    table += "  " + label + std::string(width - label.size() + 2, ' ') + std::string(option.help);
    if (option.repeatable) table += " (repeatable)";
    table += "\n";
  }
  return table;
}

}  // namespace

std::string top_level_help(const std::vector<Command>& commands) {
  std::string text =
      "Usage: switchboard [global options] COMMAND [options] [arguments]\n"
      "\n"
      "Uses LLMs through the providers and models of a Switchboard catalog.\n"
      "\n"
      "Commands:\n";
  std::size_t width = 0;
  for (const auto& command : commands) width = std::max(width, command.name.size());
  for (const auto& command : commands) {
    text += "  " + std::string(command.name) + std::string(width - command.name.size() + 2, ' ') +
            std::string(command.summary) + "\n";
  }
  text += "\nGlobal options (accepted by every command):\n";
  text += option_table(global_options());
  text += "\nRun 'switchboard COMMAND --help' for a command's options.\n\n";
  text += kExitStatusText;
  return text;
}

std::string command_help(const Command& command) {
  std::string text = "Usage: switchboard " + std::string(command.usage) + "\n\n" +
                     std::string(command.description) + "\n";
  if (!command.options.empty()) text += "\nOptions:\n" + option_table(command.options);
  text += "\nGlobal options:\n" + option_table(global_options());
  text += "\n";
  text += kExitStatusText;
  return text;
}

}  // namespace switchboard::cli
