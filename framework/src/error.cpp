#include "switchboard/error.hpp"

#include <array>
#include <utility>

#include "switchboard/completion.hpp"
#include "switchboard/message.hpp"
#include "switchboard/model.hpp"

namespace switchboard {
namespace {

constexpr std::array<std::pair<ErrorCategory, std::string_view>, 10> kCategoryNames{{
    {ErrorCategory::config, "config"},
    {ErrorCategory::plugin, "plugin"},
    {ErrorCategory::not_found, "not_found"},
    {ErrorCategory::unavailable, "unavailable"},
    {ErrorCategory::auth, "auth"},
    {ErrorCategory::rate_limited, "rate_limited"},
    {ErrorCategory::timeout, "timeout"},
    {ErrorCategory::invalid_request, "invalid_request"},
    {ErrorCategory::model_format, "model_format"},
    {ErrorCategory::internal, "internal"},
}};

constexpr std::array<std::pair<Role, std::string_view>, 4> kRoleNames{{
    {Role::system, "system"},
    {Role::user, "user"},
    {Role::assistant, "assistant"},
    {Role::tool, "tool"},
}};

}  // namespace

Error::~Error() = default;

std::string_view to_string(ErrorCategory category) noexcept {
  for (const auto& [value, name] : kCategoryNames)
    if (value == category) return name;
  return "internal";
}

std::optional<ErrorCategory> error_category_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : kCategoryNames)
    if (text == name) return value;
  return std::nullopt;
}

std::string_view to_string(Role role) noexcept {
  for (const auto& [value, name] : kRoleNames)
    if (value == role) return name;
  return "user";
}

std::optional<Role> role_from_string(std::string_view name) noexcept {
  for (const auto& [value, text] : kRoleNames)
    if (text == name) return value;
  return std::nullopt;
}

std::string_view to_string(FinishReason reason) noexcept {
  switch (reason) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::tool_calls: return "tool_calls";
    case FinishReason::cancelled: return "cancelled";
    case FinishReason::error: return "error";
  }
  return "error";
}

std::string_view to_string(LoadState::Phase phase) noexcept {
  switch (phase) {
    case LoadState::Phase::pending: return "pending";
    case LoadState::Phase::downloading: return "downloading";
    case LoadState::Phase::loading: return "loading";
    case LoadState::Phase::ready: return "ready";
    case LoadState::Phase::failed: return "failed";
  }
  return "failed";
}

}  // namespace switchboard
