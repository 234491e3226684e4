#pragma once
// The mock's behaviour, read from a catalog entry's `options` (docs/mock.md lists every key).
// A provider's options are defaults for its models: a model's key replaces the provider's.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "switchboard/error.hpp"
#include "switchboard/message.hpp"
#include "pattern.hpp"

namespace switchboard::mock {

// One entry of `replies`: when the conversation's last user message matches, the model
// writes `text`, then calls `tool_calls` (ids are filled in when the reply is written).
struct ScriptedReply {
  std::optional<std::string> match;    // the whole message, exactly
  std::optional<Pattern> pattern;      // found anywhere in the message
  std::string text;
  std::vector<ToolCall> tool_calls;    // arguments as compact JSON text

  bool matches(const std::string& input) const;
};

// `fail`: the reply breaks off with this error after `after_tokens` tokens (or at its end if
// it is shorter), on every call or only on call number `on_call` (1-based, per model).
struct InjectedFailure {
  ErrorCategory category = ErrorCategory::internal;
  std::string message;
  std::int64_t after_tokens = 0;
  std::optional<std::int64_t> on_call;
};

struct MockConfig {
  std::vector<ScriptedReply> replies;  // first match wins
  std::string default_reply = "This is a mock reply.";
  bool echo = false;  // when no reply matches, answer with the last user message (or the prompt)
  bool loop = false;  // repeat the text until max_tokens or the context is full
  double token_delay_ms = 0;
  double load_delay_ms = 0;
  std::optional<InjectedFailure> fail;
  std::optional<Error> fail_load;
};

// Reads and checks options. `owner` starts every error message ("mock plugin"), which
// then names the key and what was expected. Throws Error(config).
MockConfig parse_config(const nlohmann::json& options, const std::string& owner);

// The provider's options with the model's laid over them, key by key.
nlohmann::json layer_options(const nlohmann::json& provider_options, const nlohmann::json& model_options);

}  // namespace switchboard::mock
