#include "arguments.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

namespace switchboard::cli {

bool ParsedArguments::has(std::string_view option) const { return options_.find(option) != options_.end(); }

std::optional<std::string> ParsedArguments::value(std::string_view option) const {
  auto found = options_.find(option);
  if (found == options_.end() || found->second.empty()) return std::nullopt;
  return found->second.back();
}

std::vector<std::string> ParsedArguments::values(std::string_view option) const {
  auto found = options_.find(option);
  return found == options_.end() ? std::vector<std::string>{} : found->second;
}

void ParsedArguments::add(std::string_view option, std::string value) {
  auto found = options_.find(option);
  if (found == options_.end()) found = options_.emplace(std::string(option), std::vector<std::string>{}).first;
  found->second.push_back(std::move(value));
}

namespace {

// Edit distance, to suggest the option the user probably meant.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "0.5", "2": std::to_string would print "0.500000".
std::string format_number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string unknown_option_message(std::string_view option, std::span<const OptionSpec> specs,
                                   std::string_view context) {
  std::string message = "unknown option '" + std::string(option) + "' for 'switchboard";
  if (!context.empty()) message += " " + std::string(context);
  message += "'";
  const OptionSpec* closest = nullptr;
  std::size_t best = 3;  // farther than this is a guess, not a typo
  for (const auto& spec : specs) {
    std::size_t distance = edit_distance(option, spec.name);
    if (distance < best) {
      best = distance;
      closest = &spec;
    }
  }
  if (closest != nullptr) message += "; did you mean '" + std::string(closest->name) + "'?";
  return message;
}

const OptionSpec* find_spec(std::span<const OptionSpec> specs, std::string_view flag) {
  for (const auto& spec : specs) {
    if (spec.name == flag || (!spec.short_name.empty() && spec.short_name == flag)) return &spec;
  }
  return nullptr;
}

}  // namespace

ParseResult parse_arguments(std::span<const std::string> args, std::span<const OptionSpec> specs,
                            std::string_view context, bool stop_at_first_positional) {
  ParseResult result;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // "-" alone is a positional: by convention it means standard input.
    bool looks_like_option = !options_ended && arg.size() > 1 && arg[0] == '-';
    if (!looks_like_option) {
      if (stop_at_first_positional) {
        result.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
        return result;
      }
      result.arguments.add_positional(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      if (stop_at_first_positional) {
        result.rest.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
        return result;
      }
      continue;
    }

    std::string_view flag = arg;
    std::optional<std::string> inline_value;
    if (auto equals = flag.find('='); equals != std::string_view::npos && flag.starts_with("--")) {
      inline_value = std::string(flag.substr(equals + 1));
      flag = flag.substr(0, equals);
    }
    const OptionSpec* spec = find_spec(specs, flag);
    if (spec == nullptr) throw UsageError(unknown_option_message(flag, specs, context));
    if (!spec->repeatable && result.arguments.has(spec->name)) {
      throw UsageError("option '" + std::string(spec->name) + "' was given more than once");
    }

    if (spec->value_name.empty()) {
      if (inline_value) {
        throw UsageError("option '" + std::string(spec->name) + "' takes no value, got '" + *inline_value + "'");
      }
      result.arguments.add(spec->name, {});
      continue;
    }
    if (inline_value) {
      result.arguments.add(spec->name, std::move(*inline_value));
    } else if (i + 1 < args.size()) {
      // The next argument is the value even when it starts with '-' (`--temperature -1` is
      // then rejected by the range check, with a clearer message than "missing value").
      result.arguments.add(spec->name, args[++i]);
    } else {
      throw UsageError("option '" + std::string(spec->name) + "' expects a value (" +
                       std::string(spec->value_name) + ")");
    }
  }
  return result;
}

int parse_int_option(std::string_view option, const std::string& text, int minimum) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < minimum) {
    throw UsageError("option '" + std::string(option) + "' expects an integer of at least " +
                     std::to_string(minimum) + ", got '" + text + "'");
  }
  return value;
}

std::uint64_t parse_uint64_option(std::string_view option, const std::string& text) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    throw UsageError("option '" + std::string(option) + "' expects a non-negative integer, got '" + text + "'");
  }
  return value;
}

double parse_double_option(std::string_view option, const std::string& text, double minimum, double maximum) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < minimum || value > maximum) {
    std::string range = "a number of at least " + format_number(minimum);
    if (maximum < std::numeric_limits<double>::max()) {
      range = "a number from " + format_number(minimum) + " to " + format_number(maximum);
    }
    throw UsageError("option '" + std::string(option) + "' expects " + range + ", got '" + text + "'");
  }
  return value;
}

}  // namespace switchboard::cli
