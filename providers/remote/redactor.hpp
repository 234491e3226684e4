#pragma once
// Keeps secrets out of logs and errors: every text about a request passes through here before
// it is logged or put into an Error.

#include <string>
#include <string_view>
#include <vector>

#include "remote_config.hpp"

namespace switchboard::remote {

class Redactor {
 public:
  static constexpr std::string_view kMask = "[redacted]";

  // The API key and the values of configured headers that carry credentials are secrets.
  explicit Redactor(const RemoteConfig& config);
  Redactor() = default;

  void add_secret(std::string secret);

  // `text` with every secret replaced by kMask.
  std::string redact(std::string_view text) const;

  // "name: value" for a log line; credentials headers show only kMask as their value.
  std::string header_line(std::string_view name, std::string_view value) const;

  // Headers that carry credentials whatever their value: authorization, x-api-key, ...
  static bool is_credential_header(std::string_view name);

 private:
  std::vector<std::string> secrets_;
};

}  // namespace switchboard::remote
