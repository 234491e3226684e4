#include "retry_rules.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

namespace switchboard::remote {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A non-negative decimal number of units; nothing for anything else.
std::optional<double> non_negative_number(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

Milliseconds clamp_to_day(double milliseconds) {
  return Milliseconds(static_cast<std::int64_t>(std::min(milliseconds, 86'400'000.0)));
}

// "Sun, 06 Nov 1994 08:49:37 GMT", the one date form HTTP senders must use.
std::optional<std::chrono::system_clock::time_point> http_date(std::string_view text) {
  const std::string value(trim(text));
  std::tm parts{};
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (!end || *end != '\0') return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

}  // namespace

bool is_retryable_status(long status) noexcept {
  switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504: case 529: return true;
    default: return false;
  }
}

std::optional<Milliseconds> retry_after(const ResponseHeaders& headers, std::chrono::system_clock::time_point now) {
  if (auto it = headers.find("retry-after-ms"); it != headers.end())
    if (auto ms = non_negative_number(it->second)) return clamp_to_day(*ms);
  auto it = headers.find("retry-after");
  if (it == headers.end()) return std::nullopt;
  if (auto seconds = non_negative_number(it->second)) return clamp_to_day(*seconds * 1000);
  if (auto when = http_date(it->second)) {
    const auto wait = std::chrono::duration_cast<Milliseconds>(*when - now);
    return std::clamp(wait, Milliseconds(0), Milliseconds(86'400'000));
  }
  return std::nullopt;
}

Milliseconds backoff_delay(const RetrySettings& settings, int retry, double unit_random) {
  const double base = static_cast<double>(settings.base_delay.count());
  const double ceiling = static_cast<double>(settings.max_delay.count());
  const double full = std::min(ceiling, base * std::pow(2.0, std::clamp(retry, 0, 40)));
  // Half fixed, half random: retries of many clients spread out, yet none comes back at once.
  const double jittered = full / 2 + (full / 2) * std::clamp(unit_random, 0.0, 1.0);
  return Milliseconds(static_cast<std::int64_t>(jittered));
}

}  // namespace switchboard::remote
