#pragma once
// A conversation: what the host sends to a model.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard {

enum class Role { system, user, assistant, tool };

std::string_view to_string(Role role) noexcept;
std::optional<Role> role_from_string(std::string_view name) noexcept;

// A call the model asked the host to make. `arguments` is a JSON text, as the model wrote it.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;

  bool operator==(const ToolCall&) const = default;
};

struct Message {
  Role role = Role::user;
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages that called tools
  std::string tool_call_id;          // tool messages: which call this answers
  std::string name;                  // tool messages: the tool's name (some APIs need it)

  static Message system(std::string text) { return {Role::system, std::move(text), {}, {}, {}}; }
  static Message user(std::string text) { return {Role::user, std::move(text), {}, {}, {}}; }
  static Message assistant(std::string text, std::vector<ToolCall> calls = {}) {
    return {Role::assistant, std::move(text), std::move(calls), {}, {}};
  }
  static Message tool(std::string call_id, std::string result, std::string tool_name = {}) {
    return {Role::tool, std::move(result), {}, std::move(call_id), std::move(tool_name)};
  }

  bool operator==(const Message&) const = default;
};

}  // namespace switchboard
