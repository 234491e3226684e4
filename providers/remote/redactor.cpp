#include "redactor.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace switchboard::remote {
namespace {

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

}  // namespace

Redactor::Redactor(const RemoteConfig& config) {
  add_secret(config.api_key);
  for (const auto& [name, value] : config.headers)
    if (is_credential_header(name)) add_secret(value);
}

void Redactor::add_secret(std::string secret) {
  // Very short values would mask ordinary text everywhere and protect nothing.
  if (secret.size() < 4) return;
  secrets_.push_back(std::move(secret));
  // Longest first, so that a secret containing another is masked whole.
  std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Redactor::redact(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secrets_) {
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + kMask.size()))
      out.replace(at, secret.size(), kMask);
  }
  return out;
}

std::string Redactor::header_line(std::string_view name, std::string_view value) const {
  std::string line(name);
  line += ": ";
  line += is_credential_header(name) ? std::string(kMask) : redact(value);
  return line;
}

bool Redactor::is_credential_header(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
      "x-auth-token"};
  const auto lower = lowercase(name);
  return std::find(kNames.begin(), kNames.end(), lower) != kNames.end();
}

}  // namespace switchboard::remote
