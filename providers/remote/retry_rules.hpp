#pragma once
// When a failed attempt is tried again, and after how long.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "remote_config.hpp"

namespace switchboard::remote {

// Response headers, names in lower case.
using ResponseHeaders = std::map<std::string, std::string>;

// 408, 429, 500, 502, 503, 504 and 529 (Anthropic's "overloaded").
bool is_retryable_status(long status) noexcept;

// How long the server asked us to wait: `retry-after-ms` (OpenAI's), else `Retry-After` as
// seconds or as an HTTP date (measured against `now`). Nothing for a missing or unreadable value.
std::optional<Milliseconds> retry_after(const ResponseHeaders& headers,
                                        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// Exponential backoff with jitter for the retry numbered `retry` (0 for the first): a random
// wait between half and all of min(base · 2^retry, max). `unit_random` is in [0, 1).
Milliseconds backoff_delay(const RetrySettings& settings, int retry, double unit_random);

}  // namespace switchboard::remote
