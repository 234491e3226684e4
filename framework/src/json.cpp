#include "switchboard/json.hpp"

#include <string>

#include "switchboard/error.hpp"

namespace switchboard {
namespace {

using nlohmann::json;

Error bad_option(const std::string& key, const std::string& expected, const json& got) {
  return Error(ErrorCategory::config, "option '" + key + "': expected " + expected + ", got " + got.dump());
}

template <typename T>
void read_number(const json& j, const char* key, std::optional<T>& field) {
  const auto& value = j.at(key);
  if constexpr (std::is_integral_v<T>) {
    if (!value.is_number_integer()) throw bad_option(key, "an integer", value);
    if constexpr (std::is_unsigned_v<T>) {
      if (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0)
        throw bad_option(key, "a non-negative integer", value);
    }
  } else {
    if (!value.is_number()) throw bad_option(key, "a number", value);
  }
  field = value.get<T>();
}

std::string_view tool_choice_mode_name(ToolChoice::Mode mode) {
  switch (mode) {
    case ToolChoice::Mode::automatic: return "auto";
    case ToolChoice::Mode::none: return "none";
    case ToolChoice::Mode::required: return "required";
    case ToolChoice::Mode::function: return "function";
  }
  return "auto";
}

std::string_view response_format_name(ResponseFormat::Type type) {
  switch (type) {
    case ResponseFormat::Type::text: return "text";
    case ResponseFormat::Type::json_object: return "json_object";
    case ResponseFormat::Type::json_schema: return "json_schema";
  }
  return "text";
}

}  // namespace

void to_json(json& j, const ToolCall& call) {
  j = json{{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}};
}

void from_json(const json& j, ToolCall& call) {
  call.id = j.value("id", "");
  call.name = j.at("name").get<std::string>();
  const auto& arguments = j.at("arguments");
  call.arguments = arguments.is_string() ? arguments.get<std::string>() : arguments.dump();
}

void to_json(json& j, const Message& message) {
  j = json{{"role", to_string(message.role)}, {"content", message.content}};
  if (!message.tool_calls.empty()) j["tool_calls"] = message.tool_calls;
  if (!message.tool_call_id.empty()) j["tool_call_id"] = message.tool_call_id;
  if (!message.name.empty()) j["name"] = message.name;
}

void from_json(const json& j, Message& message) {
  const auto role_name = j.at("role").get<std::string>();
  const auto role = role_from_string(role_name);
  if (!role) throw Error(ErrorCategory::invalid_request, "message role '" + role_name + "': expected system, user, assistant or tool");
  message.role = *role;
  message.content = j.contains("content") && j["content"].is_string() ? j["content"].get<std::string>() : "";
  message.tool_calls = j.value("tool_calls", std::vector<ToolCall>{});
  message.tool_call_id = j.value("tool_call_id", "");
  message.name = j.value("name", "");
}

void to_json(json& j, const ToolDefinition& tool) {
  j = json{{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}};
}

void from_json(const json& j, ToolDefinition& tool) {
  tool.name = j.at("name").get<std::string>();
  tool.description = j.value("description", "");
  tool.parameters = j.value("parameters", json::object());
}

void to_json(json& j, const GenerationOptions& options) {
  j = json::object();
  if (options.max_tokens) j["max_tokens"] = *options.max_tokens;
  if (options.temperature) j["temperature"] = *options.temperature;
  if (options.top_p) j["top_p"] = *options.top_p;
  if (options.top_k) j["top_k"] = *options.top_k;
  if (options.min_p) j["min_p"] = *options.min_p;
  if (options.repetition_penalty) j["repetition_penalty"] = *options.repetition_penalty;
  if (options.presence_penalty) j["presence_penalty"] = *options.presence_penalty;
  if (options.frequency_penalty) j["frequency_penalty"] = *options.frequency_penalty;
  if (options.seed) j["seed"] = *options.seed;
  if (!options.stop.empty()) j["stop"] = options.stop;
  if (!options.tools.empty()) j["tools"] = options.tools;
  if (options.tool_choice) {
    j["tool_choice"] = options.tool_choice->mode == ToolChoice::Mode::function
                           ? json{{"function", options.tool_choice->function}}
                           : json(tool_choice_mode_name(options.tool_choice->mode));
  }
  if (options.response_format) {
    j["response_format"] = json{{"type", response_format_name(options.response_format->type)}};
    if (options.response_format->type == ResponseFormat::Type::json_schema)
      j["response_format"]["schema"] = options.response_format->schema;
  }
}

void from_json(const json& j, GenerationOptions& options) {
  if (!j.is_object()) throw bad_option("options", "an object", j);
  options = {};
  for (const auto& [key, value] : j.items()) {
    if (key == "max_tokens") read_number(j, "max_tokens", options.max_tokens);
    else if (key == "temperature") read_number(j, "temperature", options.temperature);
    else if (key == "top_p") read_number(j, "top_p", options.top_p);
    else if (key == "top_k") read_number(j, "top_k", options.top_k);
    else if (key == "min_p") read_number(j, "min_p", options.min_p);
    else if (key == "repetition_penalty") read_number(j, "repetition_penalty", options.repetition_penalty);
    else if (key == "presence_penalty") read_number(j, "presence_penalty", options.presence_penalty);
    else if (key == "frequency_penalty") read_number(j, "frequency_penalty", options.frequency_penalty);
    else if (key == "seed") read_number(j, "seed", options.seed);
    else if (key == "stop") {
      if (value.is_string()) options.stop = {value.get<std::string>()};
      else if (value.is_array() && std::all_of(value.begin(), value.end(), [](const json& s) { return s.is_string(); }))
        options.stop = value.get<std::vector<std::string>>();
      else throw bad_option(key, "a string or a list of strings", value);
    } else if (key == "tools") {
      if (!value.is_array()) throw bad_option(key, "a list of tool definitions", value);
      options.tools = value.get<std::vector<ToolDefinition>>();
    } else if (key == "tool_choice") {
      ToolChoice choice;
      if (value == "auto") choice.mode = ToolChoice::Mode::automatic;
      else if (value == "none") choice.mode = ToolChoice::Mode::none;
      else if (value == "required") choice.mode = ToolChoice::Mode::required;
      else if (value.is_object() && value.contains("function") && value["function"].is_string()) {
        choice.mode = ToolChoice::Mode::function;
        choice.function = value["function"].get<std::string>();
      } else throw bad_option(key, "\"auto\", \"none\", \"required\" or {\"function\": NAME}", value);
      options.tool_choice = choice;
    } else if (key == "response_format") {
      ResponseFormat format;
      const auto type = value.is_object() ? value.value("type", "") : "";
      if (type == "text") format.type = ResponseFormat::Type::text;
      else if (type == "json_object") format.type = ResponseFormat::Type::json_object;
      else if (type == "json_schema") {
        format.type = ResponseFormat::Type::json_schema;
        format.schema = value.value("schema", json::object());
      } else throw bad_option(key, "{\"type\": \"text\" | \"json_object\" | \"json_schema\"}", value);
      options.response_format = format;
    } else {
      throw Error(ErrorCategory::config, "unknown option '" + key + "'");
    }
  }
}

void to_json(json& j, const Usage& usage) {
  j = json{{"prompt_tokens", usage.prompt_tokens},
           {"completion_tokens", usage.completion_tokens},
           {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
           {"cached_prompt_tokens", usage.cached_prompt_tokens}};
}

void to_json(json& j, const Timings& timings) {
  j = json{{"time_to_first_token_ms", timings.time_to_first_token_ms},
           {"total_ms", timings.total_ms},
           {"prompt_tokens_per_second", timings.prompt_tokens_per_second},
           {"tokens_per_second", timings.tokens_per_second}};
}

void to_json(json& j, const Completion& completion) {
  j = json{{"text", completion.text},
           {"finish_reason", to_string(completion.finish_reason)},
           {"usage", completion.usage},
           {"timings", completion.timings}};
  if (!completion.tool_calls.empty()) j["tool_calls"] = completion.tool_calls;
  if (completion.error)
    j["error"] = json{{"category", to_string(completion.error->category())}, {"message", completion.error->what()}};
}

}  // namespace switchboard
