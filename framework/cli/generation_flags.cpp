#include "generation_flags.hpp"

#include <limits>

namespace switchboard::cli {

std::vector<OptionSpec> generation_option_specs() {
  return {
      {"--model", "NAME", "catalog name or alias of the model (default: the catalog's default)"},
      {"--system", "TEXT", "system message that starts the conversation"},
      {"--max-tokens", "N", "stop after N tokens of reply (finish reason \"length\")"},
      {"--temperature", "T", "sampling temperature, 0 for greedy"},
      {"--top-p", "P", "nucleus sampling: keep the most likely tokens up to probability P (0..1)"},
      {"--top-k", "K", "keep only the K most likely tokens"},
      {"--seed", "S", "random seed, for replies that repeat"},
      {"--stop", "STR", "end the reply before this text", {}, true},
  };
}

GenerationOptions generation_options_from(const ParsedArguments& arguments) {
  constexpr double kUnbounded = std::numeric_limits<double>::max();
  GenerationOptions options;
  if (auto text = arguments.value("--max-tokens")) options.max_tokens = parse_int_option("--max-tokens", *text, 1);
  if (auto text = arguments.value("--temperature")) {
    options.temperature = parse_double_option("--temperature", *text, 0.0, kUnbounded);
  }
  if (auto text = arguments.value("--top-p")) options.top_p = parse_double_option("--top-p", *text, 0.0, 1.0);
  if (auto text = arguments.value("--top-k")) options.top_k = parse_int_option("--top-k", *text, 1);
  if (auto text = arguments.value("--seed")) options.seed = parse_uint64_option("--seed", *text);
  for (auto& stop : arguments.values("--stop")) {
    if (stop.empty()) throw UsageError("option '--stop' expects a non-empty string");
    options.stop.push_back(stop);
  }
  return options;
}

}  // namespace switchboard::cli
