#pragma once
// What a host asks of a model: the conversation and how to sample the reply.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "switchboard/message.hpp"

namespace switchboard {

// A function the model may call. `parameters` is a JSON Schema object.
struct ToolDefinition {
  std::string name;
  std::string description;
  nlohmann::json parameters = nlohmann::json::object();

  bool operator==(const ToolDefinition&) const = default;
};

struct ToolChoice {
  enum class Mode { automatic, none, required, function };
  Mode mode = Mode::automatic;
  std::string function;  // for Mode::function

  bool operator==(const ToolChoice&) const = default;
};

struct ResponseFormat {
  enum class Type { text, json_object, json_schema };
  Type type = Type::text;
  nlohmann::json schema;  // for Type::json_schema

  bool operator==(const ResponseFormat&) const = default;
};

// Every field is optional so that a request's options can be laid over a model's catalog
// defaults: an unset field means "whatever the model's defaults or the provider say".
struct GenerationOptions {
  std::optional<int> max_tokens;
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int> top_k;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::optional<double> presence_penalty;
  std::optional<double> frequency_penalty;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
  std::vector<ToolDefinition> tools;
  std::optional<ToolChoice> tool_choice;
  std::optional<ResponseFormat> response_format;

  // Fields set here win; unset ones come from `defaults`. Stop strings are the union.
  GenerationOptions over(const GenerationOptions& defaults) const;

  bool operator==(const GenerationOptions&) const = default;
};

struct Request {
  std::vector<Message> messages;
  // When set, sent as-is with no chat template; `messages` is then ignored.
  std::optional<std::string> prompt;
  GenerationOptions options;
};

}  // namespace switchboard
