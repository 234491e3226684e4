#pragma once
// A remote provider's settings, read once from its catalog entry. See docs/remote.md for the
// keys; every mistake is an Error(config) that names the provider and the key.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "switchboard/catalog.hpp"

namespace switchboard::remote {

using Milliseconds = std::chrono::milliseconds;

enum class Api { openai, anthropic, gemini };

std::string_view to_string(Api api) noexcept;

struct Timeouts {
  Milliseconds connect{10'000};      // TCP + TLS handshake, per attempt
  Milliseconds first_byte{60'000};   // from the start of an attempt to the first byte of the response
  Milliseconds idle{60'000};         // longest silence between two reads once the response started
  Milliseconds total{600'000};       // the whole call, retries and their waits included
};

struct RetrySettings {
  int max_retries = 2;                  // attempts after the first
  Milliseconds base_delay{500};         // the first backoff; doubled for each further retry
  Milliseconds max_delay{30'000};       // no backoff is longer; a longer Retry-After is not waited for
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct RemoteConfig {
  std::string provider_name;
  Api api = Api::openai;
  std::string base_url;      // without a trailing '/'
  std::string api_key;       // may be empty: local OpenAI-compatible servers need none
  std::string organization;  // OpenAI-Organization header, when set
  std::string anthropic_version = "2023-06-01";
  HeaderList headers;        // extra headers sent with every request
  std::optional<std::filesystem::path> ca_file;
  Timeouts timeouts;
  RetrySettings retry;
  int max_in_flight = 16;    // requests of this provider on the wire at once; more wait in a queue
};

// Reads a provider entry's options. Throws Error(config).
RemoteConfig parse_remote_config(const ProviderEntry& entry);

}  // namespace switchboard::remote
