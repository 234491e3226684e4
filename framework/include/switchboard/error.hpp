#pragma once
// The one error type of the public API. Every failure a host can act on carries a category.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/config.hpp>

namespace switchboard {

enum class ErrorCategory {
  config,           // a catalog or option is wrong
  plugin,           // a plugin could not be loaded or refused to start
  not_found,        // a model, provider or file that was named does not exist
  unavailable,      // the backend exists but cannot serve now (server down, GPU missing)
  auth,             // credentials missing or rejected
  rate_limited,     // the backend asked us to slow down; see Error::retry_after
  timeout,          // a deadline passed
  invalid_request,  // the request itself is wrong (bad option, prompt too long)
  model_format,     // a model file is malformed or unsupported
  internal,         // a bug: something the framework did not expect
};

std::string_view to_string(ErrorCategory category) noexcept;
std::optional<ErrorCategory> error_category_from_string(std::string_view name) noexcept;

// Visible from every shared object, so a host catches what a plugin throws.
class BOOST_SYMBOL_VISIBLE Error : public std::runtime_error {
 public:
  Error(ErrorCategory category, const std::string& message,
        std::optional<std::chrono::milliseconds> retry_after = std::nullopt)
      : std::runtime_error(message), category_(category), retry_after_(retry_after) {}
  Error(const Error&) = default;
  Error& operator=(const Error&) = default;
  ~Error() override;

  ErrorCategory category() const noexcept { return category_; }
  // Set for rate_limited errors when the backend said how long to wait.
  std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }

 private:
  ErrorCategory category_;
  std::optional<std::chrono::milliseconds> retry_after_;
};

}  // namespace switchboard
