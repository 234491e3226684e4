#include "remote_config.hpp"

#include <cctype>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "switchboard/error.hpp"

namespace switchboard::remote {
namespace {

const std::set<std::string> kKeys = {
    "api",          "base_url",       "api_key",          "api_key_file",          "organization",
    "headers",      "ca_file",        "anthropic_version", "connect_timeout_ms",   "first_byte_timeout_ms",
    "idle_timeout_ms", "total_timeout_ms", "max_retries",  "retry_base_delay_ms",  "retry_max_delay_ms",
    "max_in_flight"};

std::string default_base_url(Api api) {
  switch (api) {
    case Api::openai: return "https://api.openai.com/v1";
    case Api::anthropic: return "https://api.anthropic.com/v1";
    case Api::gemini: return "https://generativelanguage.googleapis.com/v1beta";
  }
  return {};
}

class OptionReader {
 public:
  explicit OptionReader(const ProviderEntry& entry) : entry_(entry), owner_("remote provider '" + entry.name + "'") {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw Error(ErrorCategory::config, owner_ + ": " + key + ": " + message);
  }

  const nlohmann::json* find(const std::string& key) const {
    auto it = entry_.options.find(key);
    return it == entry_.options.end() ? nullptr : &*it;
  }

  std::optional<std::string> text(const std::string& key) const {
    const auto* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_string()) fail(key, "expected a string, got " + value->dump());
    return value->get<std::string>();
  }

  // A whole number in [min, max]. Never echoes a value that could be a secret: these are numbers.
  std::optional<std::int64_t> number(const std::string& key, std::int64_t min, std::int64_t max) const {
    const auto* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number_integer()) fail(key, "expected a whole number, got " + value->dump());
    const auto number = value->get<std::int64_t>();
    if (number < min || number > max)
      fail(key, "expected a number from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                    std::to_string(number));
    return number;
  }

  void milliseconds(const std::string& key, Milliseconds& out, std::int64_t min = 1) const {
    // A day is far past any sensible deadline and keeps every sum of deadlines from overflowing.
    if (auto value = number(key, min, 86'400'000)) out = Milliseconds(*value);
  }

  std::filesystem::path path(const std::string& text) const {
    std::filesystem::path path(text);
    return path.is_absolute() ? path : entry_.base_dir / path;
  }

  const std::string& owner() const { return owner_; }

 private:
  const ProviderEntry& entry_;
  std::string owner_;
};

std::string read_key_file(const OptionReader& reader, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) reader.fail("api_key_file", "cannot read '" + file.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  // Key files usually end with a newline; the key itself never holds whitespace.
  const auto first = key.find_first_not_of(" \t\r\n");
  const auto last = key.find_last_not_of(" \t\r\n");
  if (first == std::string::npos) reader.fail("api_key_file", "'" + file.string() + "' is empty");
  key = key.substr(first, last - first + 1);
  if (key.find_first_of("\r\n") != std::string::npos)
    reader.fail("api_key_file", "'" + file.string() + "' holds more than one line; expected just the key");
  return key;
}

bool is_header_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace

std::string_view to_string(Api api) noexcept {
  switch (api) {
    case Api::openai: return "openai";
    case Api::anthropic: return "anthropic";
    case Api::gemini: return "gemini";
  }
  return "unknown";
}

RemoteConfig parse_remote_config(const ProviderEntry& entry) {
  OptionReader reader(entry);
  if (!entry.options.is_object())
    throw Error(ErrorCategory::config, reader.owner() + ": expected a mapping of settings");
  for (const auto& [key, value] : entry.options.items())
    if (!kKeys.contains(key))
      reader.fail(key, "unknown setting; expected one of api, base_url, api_key, api_key_file, organization, headers, "
                       "ca_file, anthropic_version, connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, "
                       "total_timeout_ms, max_retries, retry_base_delay_ms, retry_max_delay_ms, max_in_flight");

  RemoteConfig config;
  config.provider_name = entry.name;
  const auto api = reader.text("api");
  if (!api) reader.fail("api", "missing; expected openai, anthropic or gemini");
  if (*api == "openai") config.api = Api::openai;
  else if (*api == "anthropic") config.api = Api::anthropic;
  else if (*api == "gemini") config.api = Api::gemini;
  else reader.fail("api", "expected openai, anthropic or gemini, got '" + *api + "'");

  config.base_url = reader.text("base_url").value_or(default_base_url(config.api));
  if (!config.base_url.starts_with("http://") && !config.base_url.starts_with("https://"))
    reader.fail("base_url", "expected an http:// or https:// URL, got '" + config.base_url + "'");
  while (config.base_url.ends_with('/')) config.base_url.pop_back();

  const auto key = reader.text("api_key");
  const auto key_file = reader.text("api_key_file");
  if (key && key_file) reader.fail("api_key", "set either api_key or api_key_file, not both");
  if (key) config.api_key = *key;
  if (key_file) config.api_key = read_key_file(reader, reader.path(*key_file));
  // The key goes into a header line: a line break in it would smuggle in another header.
  if (config.api_key.find_first_of("\r\n") != std::string::npos)
    reader.fail("api_key", "the key holds a line break");

  config.organization = reader.text("organization").value_or("");
  config.anthropic_version = reader.text("anthropic_version").value_or(config.anthropic_version);
  if (auto ca = reader.text("ca_file")) {
    config.ca_file = reader.path(*ca);
    if (!std::filesystem::is_regular_file(*config.ca_file))
      reader.fail("ca_file", "'" + config.ca_file->string() + "' is not a file");
  }

  if (const auto* headers = reader.find("headers")) {
    if (!headers->is_object()) reader.fail("headers", "expected a mapping of header names to values");
    for (const auto& [name, value] : headers->items()) {
      if (!is_header_name(name)) reader.fail("headers." + name, "not a valid header name");
      if (!value.is_string()) reader.fail("headers." + name, "expected a string value");
      auto text = value.get<std::string>();
      if (text.find_first_of("\r\n") != std::string::npos) reader.fail("headers." + name, "the value holds a line break");
      config.headers.emplace_back(name, std::move(text));
    }
  }

  reader.milliseconds("connect_timeout_ms", config.timeouts.connect);
  reader.milliseconds("first_byte_timeout_ms", config.timeouts.first_byte);
  reader.milliseconds("idle_timeout_ms", config.timeouts.idle);
  reader.milliseconds("total_timeout_ms", config.timeouts.total);
  if (auto retries = reader.number("max_retries", 0, 20)) config.retry.max_retries = static_cast<int>(*retries);
  reader.milliseconds("retry_base_delay_ms", config.retry.base_delay, 0);
  reader.milliseconds("retry_max_delay_ms", config.retry.max_delay, 0);
  if (auto limit = reader.number("max_in_flight", 1, 100'000)) config.max_in_flight = static_cast<int>(*limit);
  return config;
}

}  // namespace switchboard::remote
