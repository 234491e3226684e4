#include "runtime_access.hpp"

#include "exit_codes.hpp"

namespace switchboard::cli {

namespace {
std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += (text.empty() ? "" : "\n") + line;
  return text;
}
}  // namespace

CommandFailure::CommandFailure(int exit_code, std::vector<std::string> lines)
    : std::runtime_error(joined(lines)), exit_code_(exit_code), lines_(std::move(lines)) {}

Runtime open_runtime(const std::filesystem::path& catalog_file) {
  try {
    return Runtime::from_file(catalog_file);
  } catch (const CatalogError& error) {
    std::vector<std::string> lines;
    for (const auto& issue : error.issues()) lines.push_back(issue.to_string());
    if (lines.empty()) lines.push_back(error.what());
    throw CommandFailure(kExitConfig, std::move(lines));
  } catch (const Error& error) {
    throw CommandFailure(kExitConfig, {"catalog " + catalog_file.string() + ": " + error.what()});
  }
}

std::shared_ptr<Model> open_model(Runtime& runtime, const std::string& name) {
  try {
    return runtime.model(name);
  } catch (const Error& error) {
    throw CommandFailure(kExitUnavailable, {error.what()});
  }
}

}  // namespace switchboard::cli
