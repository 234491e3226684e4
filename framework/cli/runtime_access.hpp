#pragma once
// Opening the catalog and a model, with each kind of failure turned into its exit code.

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <switchboard/switchboard.hpp>

namespace switchboard::cli {

// Ends the command with `exit_code`; main prints each line as an error.
class CommandFailure : public std::runtime_error {
 public:
  CommandFailure(int exit_code, std::vector<std::string> lines);
  int exit_code() const noexcept { return exit_code_; }
  const std::vector<std::string>& lines() const noexcept { return lines_; }

 private:
  int exit_code_;
  std::vector<std::string> lines_;
};

// Reads the catalog and loads its plugins. A catalog that cannot be read fails with
// kExitConfig and one line per problem (file:line:column: field: message).
Runtime open_runtime(const std::filesystem::path& catalog_file);

// The model a name or alias means (the catalog's default for an empty name). An unknown name
// or a provider that cannot start fails with kExitUnavailable.
std::shared_ptr<Model> open_model(Runtime& runtime, const std::string& name);

}  // namespace switchboard::cli
