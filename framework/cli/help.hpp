#pragma once
// The text of `--help`, built from the commands' option tables so that it cannot drift from
// what the parser accepts.

#include <string>
#include <vector>

#include "command.hpp"

namespace switchboard::cli {

std::string top_level_help(const std::vector<Command>& commands);
std::string command_help(const Command& command);

}  // namespace switchboard::cli
