#include "store_access.hpp"

#include <cstdio>

#include "arguments.hpp"
#include "exit_codes.hpp"
#include "runtime_access.hpp"

namespace switchboard::cli {

std::optional<Catalog> load_catalog_if_present(const std::filesystem::path& catalog_file) {
  std::error_code error;
  if (catalog_file.empty() || !std::filesystem::exists(catalog_file, error)) return std::nullopt;
  return Catalog::load(catalog_file);  // a CatalogError ends the command with kExitConfig
}

HubSettings hub_settings(const std::optional<Catalog>& catalog) {
  return HubSettings::resolve(catalog ? catalog->hub() : HubConfig{});
}

HubReference reference_from_argument(const std::string& argument, const std::optional<Catalog>& catalog) {
  if (HubReference::looks_like(argument)) {
    try {
      return HubReference::parse(argument);
    } catch (const Error& error) {
      throw UsageError(error.what());
    }
  }
  if (!catalog) {
    throw CommandFailure(kExitUnavailable, {"'" + argument + "' is not an hf:org/repo reference and there is no "
                                                             "catalog to look it up in; pass --catalog FILE"});
  }
  const ModelEntry* entry = nullptr;
  try {
    entry = &catalog->model(argument);
  } catch (const Error& error) {
    throw CommandFailure(kExitUnavailable, {error.what()});
  }
  if (!entry->source) {
    throw CommandFailure(kExitUsage, {"model '" + entry->name + "' has no 'source: hf:...' in " + catalog->file().string() +
                                      "; only hub models are kept in the store"});
  }
  return HubReference::parse(*entry->source);
}

int exit_code_for(const Error& error) {
  switch (error.category()) {
    case ErrorCategory::not_found:
    case ErrorCategory::auth:
      return kExitUnavailable;
    case ErrorCategory::config:
      return kExitConfig;
    default:
      return kExitFailure;
  }
}

std::string human_bytes(std::int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, value < 10 ? "%.1f %s" : "%.0f %s", value, kUnits[unit]);
  }
  return text;
}

}  // namespace switchboard::cli
