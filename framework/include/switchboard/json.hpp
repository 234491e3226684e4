#pragma once
// JSON forms of the public types, for hosts, the CLI and providers that speak JSON.
// Keys are snake_case field names; enums are their names ("user", "tool_calls").

#include <nlohmann/json.hpp>

#include "switchboard/completion.hpp"
#include "switchboard/message.hpp"
#include "switchboard/request.hpp"

namespace switchboard {

void to_json(nlohmann::json& j, const ToolCall& call);
void from_json(const nlohmann::json& j, ToolCall& call);
void to_json(nlohmann::json& j, const Message& message);
void from_json(const nlohmann::json& j, Message& message);
void to_json(nlohmann::json& j, const ToolDefinition& tool);
void from_json(const nlohmann::json& j, ToolDefinition& tool);
void to_json(nlohmann::json& j, const GenerationOptions& options);
// Throws Error(config) naming the key for unknown keys or wrong types.
void from_json(const nlohmann::json& j, GenerationOptions& options);
void to_json(nlohmann::json& j, const Usage& usage);
void to_json(nlohmann::json& j, const Timings& timings);
void to_json(nlohmann::json& j, const Completion& completion);

}  // namespace switchboard
