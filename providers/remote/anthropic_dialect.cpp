#include "anthropic_dialect.hpp"

#include <map>

#include "api_error.hpp"

namespace switchboard::remote {
namespace {

using nlohmann::json;

// A tool call's arguments as the JSON object Anthropic wants back in the history.
json arguments_object(const ToolCall& call, const std::string& owner) {
  if (call.arguments.empty()) return json::object();
  auto parsed = json::parse(call.arguments, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object())
    throw Error(ErrorCategory::invalid_request, owner + ": the arguments of tool call '" + call.id +
                                                    "' are not a JSON object; Anthropic needs one");
  return parsed;
}

// Appends blocks to the conversation, merging them into the previous turn when it has the
// same role: Anthropic wants user and assistant turns to alternate.
void append_turn(json& messages, const char* role, json blocks) {
  if (!messages.empty() && messages.back()["role"] == role) {
    for (auto& block : blocks) messages.back()["content"].push_back(std::move(block));
    return;
  }
  messages.push_back({{"role", role}, {"content", std::move(blocks)}});
}

std::optional<FinishReason> finish_reason(std::string_view reason, const std::string& owner) {
  if (reason.empty()) return std::nullopt;
  if (reason == "end_turn" || reason == "stop_sequence" || reason == "pause_turn") return FinishReason::stop;
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return FinishReason::length;
  if (reason == "tool_use") return FinishReason::tool_calls;
  if (reason == "refusal") throw Error(ErrorCategory::invalid_request, owner + ": the model refused (stop_reason 'refusal')");
  return FinishReason::stop;
}

// Anthropic counts cached input apart from input_tokens; the framework counts it inside.
void read_usage(const json& usage, ReplyBuilder& reply) {
  if (!usage.is_object()) return;
  auto& total = reply.usage();
  if (usage.contains("input_tokens")) {
    const auto cached = json_read::integer(usage, "cache_read_input_tokens");
    total.prompt_tokens =
        json_read::integer(usage, "input_tokens") + cached + json_read::integer(usage, "cache_creation_input_tokens");
    total.cached_prompt_tokens = cached;
  }
  if (usage.contains("output_tokens")) total.completion_tokens = json_read::integer(usage, "output_tokens");
}

class AnthropicStreamReader : public StreamReader {
 public:
  explicit AnthropicStreamReader(const Dialect& dialect) : dialect_(dialect) {}

  void on_event(const SseEvent& event, ReplyBuilder& reply) override {
    const json data = dialect_.parse_json(event.data, "a streamed event");
    const auto type = json_read::text(data, "type");
    if (type == "error") throw api_error_object(dialect_.owner(), data, dialect_.redactor());
    if (type == "message_start") {
      if (const json* message = json_read::object(data, "message"))
        if (const json* usage = json_read::object(*message, "usage")) read_usage(*usage, reply);
    } else if (type == "content_block_start") {
      const json* block = json_read::object(data, "content_block");
      if (!block) return;
      const auto block_type = json_read::text(*block, "type");
      if (block_type == "text") {
        reply.add_text(json_read::text(*block, "text"));
      } else if (block_type == "tool_use") {
        // Block indexes count text blocks too; tool calls are numbered among themselves.
        const int call = static_cast<int>(tool_of_block_.size());
        tool_of_block_[json_read::integer(data, "index")] = call;
        reply.add_tool_call(call, json_read::text(*block, "id"), json_read::text(*block, "name"), "");
      }
    } else if (type == "content_block_delta") {
      const json* delta = json_read::object(data, "delta");
      if (!delta) return;
      const auto delta_type = json_read::text(*delta, "type");
      if (delta_type == "text_delta") {
        reply.add_text(json_read::text(*delta, "text"));
      } else if (delta_type == "input_json_delta") {
        auto call = tool_of_block_.find(json_read::integer(data, "index"));
        if (call == tool_of_block_.end())
          throw Error(ErrorCategory::unavailable, dialect_.owner() + ": input_json_delta for a block that is not a tool_use");
        reply.add_tool_call(call->second, "", "", json_read::text(*delta, "partial_json"));
      }
      // thinking and signature deltas are not part of the reply.
    } else if (type == "message_delta") {
      if (const json* delta = json_read::object(data, "delta"))
        if (auto reason = finish_reason(json_read::text(*delta, "stop_reason"), dialect_.owner())) reply.set_finish(*reason);
      if (const json* usage = json_read::object(data, "usage")) read_usage(*usage, reply);
    } else if (type == "message_stop") {
      stopped_ = true;
    }
    // ping and content_block_stop carry nothing we need.
  }

  bool complete() const override { return stopped_; }

 private:
  const Dialect& dialect_;
  std::map<std::int64_t, int> tool_of_block_;
  bool stopped_ = false;
};

}  // namespace

HttpRequest AnthropicDialect::build(const std::string& model, const Request& request, const GenerationOptions& options,
                                    bool stream) const {
  if (request.prompt)
    throw Error(ErrorCategory::invalid_request, owner_ + ": raw prompts are not supported by the Messages API; send messages");
  if (options.response_format && options.response_format->type != ResponseFormat::Type::text)
    throw Error(ErrorCategory::invalid_request,
                owner_ + ": the Anthropic Messages API has no JSON response format; describe the format in the prompt "
                         "or use a tool");
  json body = {{"model", model}, {"max_tokens", options.max_tokens.value_or(kDefaultMaxTokens)}};
  std::string system;
  json messages = json::array();
  for (const auto& message : request.messages) {
    switch (message.role) {
      case Role::system:
        if (!system.empty()) system += "\n\n";
        system += message.content;
        break;
      case Role::user:
        append_turn(messages, "user", json::array({{{"type", "text"}, {"text", message.content}}}));
        break;
      case Role::assistant: {
        json blocks = json::array();
        if (!message.content.empty()) blocks.push_back({{"type", "text"}, {"text", message.content}});
        for (const auto& call : message.tool_calls)
          blocks.push_back({{"type", "tool_use"}, {"id", call.id}, {"name", call.name},
                            {"input", arguments_object(call, owner_)}});
        if (!blocks.empty()) append_turn(messages, "assistant", std::move(blocks));
        break;
      }
      case Role::tool:
        append_turn(messages, "user", json::array({{{"type", "tool_result"}, {"tool_use_id", message.tool_call_id},
                                                    {"content", message.content}}}));
        break;
    }
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  if (stream) body["stream"] = true;
  if (options.temperature) body["temperature"] = *options.temperature;
  if (options.top_p) body["top_p"] = *options.top_p;
  if (options.top_k) body["top_k"] = *options.top_k;
  if (!options.stop.empty()) body["stop_sequences"] = options.stop;
  if (!options.tools.empty()) {
    json tools = json::array();
    for (const auto& tool : options.tools)
      tools.push_back({{"name", tool.name}, {"description", tool.description}, {"input_schema", tool.parameters}});
    body["tools"] = std::move(tools);
  }
  if (options.tool_choice) {
    switch (options.tool_choice->mode) {
      case ToolChoice::Mode::automatic: body["tool_choice"] = {{"type", "auto"}}; break;
      case ToolChoice::Mode::none: body["tool_choice"] = {{"type", "none"}}; break;
      case ToolChoice::Mode::required: body["tool_choice"] = {{"type", "any"}}; break;
      case ToolChoice::Mode::function:
        body["tool_choice"] = {{"type", "tool"}, {"name", options.tool_choice->function}};
        break;
    }
  }
  // seed, min_p and the penalties have no Anthropic equivalent and are not sent.

  HttpRequest http{config_.base_url + "/messages", base_headers(stream), body.dump()};
  if (!config_.api_key.empty()) http.headers.emplace_back("x-api-key", config_.api_key);
  http.headers.emplace_back("anthropic-version", config_.anthropic_version);
  return http;
}

std::unique_ptr<StreamReader> AnthropicDialect::stream_reader() const {
  return std::make_unique<AnthropicStreamReader>(*this);
}

void AnthropicDialect::read_whole(const json& body, ReplyBuilder& reply) const {
  if (json_read::text(body, "type") == "error") throw api_error_object(owner_, body, *redactor_);
  const json* content = json_read::array(body, "content");
  if (!content) throw Error(ErrorCategory::unavailable, owner_ + ": the response has no content");
  int call = 0;
  for (const auto& block : *content) {
    const auto type = json_read::text(block, "type");
    if (type == "text") {
      reply.add_text(json_read::text(block, "text"));
    } else if (type == "tool_use") {
      const auto input = block.is_object() && block.contains("input") ? block["input"].dump() : std::string("{}");
      reply.add_tool_call(call++, json_read::text(block, "id"), json_read::text(block, "name"), input);
    }
  }
  if (auto reason = finish_reason(json_read::text(body, "stop_reason"), owner_)) reply.set_finish(*reason);
  if (const json* usage = json_read::object(body, "usage")) read_usage(*usage, reply);
}

}  // namespace switchboard::remote
