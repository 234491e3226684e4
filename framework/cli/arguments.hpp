#pragma once
// A small command-line parser: long options with values as `--flag VALUE` or `--flag=VALUE`,
// switches without values, a few short aliases (`-h`), positionals, and `--` to end options.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::cli {

// A mistake in how the command was called. Its message names the flag or argument and what
// was expected; the command exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string_view name;        // "--max-tokens"
  std::string_view value_name;  // "N"; empty for a switch that takes no value
  std::string_view help;
  std::string_view short_name = {};  // "-h", or empty
  bool repeatable = false;           // may be given several times (`--stop`)
};

class ParsedArguments {
 public:
  bool has(std::string_view option) const;
  // The option's value; nullopt when it was not given.
  std::optional<std::string> value(std::string_view option) const;
  // Every value of a repeatable option, in the order given.
  std::vector<std::string> values(std::string_view option) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  void add(std::string_view option, std::string value);
  void add_positional(std::string value) { positionals_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> options_;
  std::vector<std::string> positionals_;
};

struct ParseResult {
  ParsedArguments arguments;
  // With stop_at_first_positional: the arguments from the first positional on, untouched.
  std::vector<std::string> rest;
};

// Parses `args` against `specs`. `context` names the command in error messages ("run").
// With stop_at_first_positional, parsing ends at the first positional, which starts `rest`:
// that is how options before the subcommand's name are read. Throws UsageError.
ParseResult parse_arguments(std::span<const std::string> args, std::span<const OptionSpec> specs,
                            std::string_view context, bool stop_at_first_positional = false);

// Typed reading of option values; the errors name the option and what it expects.
int parse_int_option(std::string_view option, const std::string& text, int minimum);
std::uint64_t parse_uint64_option(std::string_view option, const std::string& text);
double parse_double_option(std::string_view option, const std::string& text, double minimum,
                           double maximum);

}  // namespace switchboard::cli
