#include "backends/byte_size.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <utility>

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace {

constexpr std::pair<const char*, double> kUnits[] = {
    {"", 1},          {"B", 1},           {"KB", 1e3},          {"MB", 1e6},          {"GB", 1e9},          {"TB", 1e12},
    {"KiB", 1024.0},  {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
};

}  // namespace

std::size_t read_byte_size(const nlohmann::json& value, const std::string& field) {
  auto invalid = [&] {
    return Error(ErrorCategory::config, "option '" + field + "': expected a size in bytes or with a unit (B, KB, MB, GB, KiB, MiB, GiB), got " +
                                            value.dump());
  };
  // YAML gives plain numbers as signed integers.
  if (value.is_number_integer()) {
    if (value.get<std::int64_t>() < 0) throw invalid();
    return static_cast<std::size_t>(value.get<std::int64_t>());
  }
  if (!value.is_string()) throw invalid();
  const std::string text = value.get<std::string>();
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw invalid();
  }
  while (used < text.size() && std::isspace(static_cast<unsigned char>(text[used]))) ++used;
  const std::string unit = text.substr(used);
  if (!std::isfinite(number) || number < 0) throw invalid();
  for (const auto& [name, factor] : kUnits)
    if (unit == name) return static_cast<std::size_t>(std::llround(number * factor));
  throw invalid();
}

std::string describe_bytes(std::uint64_t bytes) {
  char text[32];
  const double value = static_cast<double>(bytes);
  if (bytes < (1u << 20)) std::snprintf(text, sizeof text, "%.1f KiB", value / 1024);
  else if (bytes < (std::uint64_t{1} << 30)) std::snprintf(text, sizeof text, "%.1f MiB", value / (1 << 20));
  else std::snprintf(text, sizeof text, "%.2f GiB", value / (1 << 30));
  return text;
}

}  // namespace switchboard::local
