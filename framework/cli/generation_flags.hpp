#pragma once
// The options `run` and `chat` share: which model, its system message, and how to sample.

#include <string>
#include <vector>

#include <switchboard/request.hpp>

#include "arguments.hpp"

namespace switchboard::cli {

std::vector<OptionSpec> generation_option_specs();

// The sampling options given on the command line; unset ones stay unset so that the model's
// catalog defaults apply. Throws UsageError for a malformed value.
GenerationOptions generation_options_from(const ParsedArguments& arguments);

}  // namespace switchboard::cli
