#include "openai_dialect.hpp"

#include "api_error.hpp"

namespace switchboard::remote {
namespace {

using nlohmann::json;

json message_json(const Message& message) {
  json out = {{"role", std::string(to_string(message.role))}};
  if (message.role == Role::assistant && !message.tool_calls.empty()) {
    out["content"] = message.content.empty() ? json(nullptr) : json(message.content);
    json calls = json::array();
    for (const auto& call : message.tool_calls)
      calls.push_back({{"id", call.id}, {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    out["tool_calls"] = std::move(calls);
    return out;
  }
  out["content"] = message.content;
  if (message.role == Role::tool) {
    out["tool_call_id"] = message.tool_call_id;
    if (!message.name.empty()) out["name"] = message.name;
  }
  return out;
}

json tool_choice_json(const ToolChoice& choice) {
  switch (choice.mode) {
    case ToolChoice::Mode::automatic: return "auto";
    case ToolChoice::Mode::none: return "none";
    case ToolChoice::Mode::required: return "required";
    case ToolChoice::Mode::function: return {{"type", "function"}, {"function", {{"name", choice.function}}}};
  }
  return "auto";
}

// Throws for content_filter: the reply was cut by the provider, which the host must be able to tell.
std::optional<FinishReason> finish_reason(std::string_view reason, const std::string& owner) {
  if (reason.empty()) return std::nullopt;
  if (reason == "stop") return FinishReason::stop;
  if (reason == "length") return FinishReason::length;
  if (reason == "tool_calls" || reason == "function_call") return FinishReason::tool_calls;
  if (reason == "content_filter")
    throw Error(ErrorCategory::invalid_request, owner + ": the provider's content filter stopped the reply");
  return FinishReason::stop;
}

void read_usage(const json& document, ReplyBuilder& reply) {
  const json* usage = json_read::object(document, "usage");
  if (!usage) return;
  Usage read;
  read.prompt_tokens = json_read::integer(*usage, "prompt_tokens");
  read.completion_tokens = json_read::integer(*usage, "completion_tokens");
  if (const json* details = json_read::object(*usage, "prompt_tokens_details"))
    read.cached_prompt_tokens = json_read::integer(*details, "cached_tokens");
  reply.set_usage(read);
}

const json* first_choice(const json& document) {
  const json* choices = json_read::array(document, "choices");
  if (!choices || choices->empty() || !choices->front().is_object()) return nullptr;
  return &choices->front();
}

class OpenAiStreamReader : public StreamReader {
 public:
  explicit OpenAiStreamReader(const Dialect& dialect) : dialect_(dialect) {}

  void on_event(const SseEvent& event, ReplyBuilder& reply) override {
    if (event.data == "[DONE]") {
      done_ = true;
      return;
    }
    const json chunk = dialect_.parse_json(event.data, "a streamed event");
    if (chunk.contains("error")) throw api_error_object(dialect_.owner(), chunk, dialect_.redactor());
    read_usage(chunk, reply);
    const json* choice = first_choice(chunk);
    if (!choice) return;  // the usage-only chunk has no choices
    if (const json* delta = json_read::object(*choice, "delta")) {
      reply.add_text(json_read::text(*delta, "content"));
      if (const json* calls = json_read::array(*delta, "tool_calls")) {
        for (const auto& call : *calls) {
          const json* function = json_read::object(call, "function");
          const json empty = json::object();
          const json& fn = function ? *function : empty;
          reply.add_tool_call(static_cast<int>(json_read::integer(call, "index")), json_read::text(call, "id"),
                              json_read::text(fn, "name"), json_read::text(fn, "arguments"));
        }
      }
    }
    if (auto reason = finish_reason(json_read::text(*choice, "finish_reason"), dialect_.owner())) {
      reply.set_finish(*reason);
      finished_ = true;
    }
  }

  bool complete() const override { return done_ || finished_; }

 private:
  const Dialect& dialect_;
  bool done_ = false;
  bool finished_ = false;
};

}  // namespace

HttpRequest OpenAiDialect::build(const std::string& model, const Request& request, const GenerationOptions& options,
                                 bool stream) const {
  if (request.prompt)
    throw Error(ErrorCategory::invalid_request,
                owner_ + ": raw prompts are not supported by chat completions; send messages instead");
  json body = {{"model", model}};
  json messages = json::array();
  for (const auto& message : request.messages) messages.push_back(message_json(message));
  body["messages"] = std::move(messages);
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  if (options.max_tokens) body["max_tokens"] = *options.max_tokens;
  if (options.temperature) body["temperature"] = *options.temperature;
  if (options.top_p) body["top_p"] = *options.top_p;
  if (options.seed) body["seed"] = *options.seed;
  if (options.presence_penalty) body["presence_penalty"] = *options.presence_penalty;
  if (options.frequency_penalty) body["frequency_penalty"] = *options.frequency_penalty;
  // Not OpenAI's own, but understood by vLLM, llama.cpp's server and others; sent only when set.
  if (options.top_k) body["top_k"] = *options.top_k;
  if (options.min_p) body["min_p"] = *options.min_p;
  if (options.repetition_penalty) body["repetition_penalty"] = *options.repetition_penalty;
  if (!options.stop.empty()) body["stop"] = options.stop;
  if (!options.tools.empty()) {
    json tools = json::array();
    for (const auto& tool : options.tools)
      tools.push_back({{"type", "function"},
                       {"function", {{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}}}});
    body["tools"] = std::move(tools);
  }
  if (options.tool_choice) body["tool_choice"] = tool_choice_json(*options.tool_choice);
  if (options.response_format) {
    switch (options.response_format->type) {
      case ResponseFormat::Type::text: break;
      case ResponseFormat::Type::json_object: body["response_format"] = {{"type", "json_object"}}; break;
      case ResponseFormat::Type::json_schema:
        body["response_format"] = {{"type", "json_schema"},
                                   {"json_schema", {{"name", "response"}, {"schema", options.response_format->schema}}}};
        break;
    }
  }

  HttpRequest http{config_.base_url + "/chat/completions", base_headers(stream), body.dump()};
  if (!config_.api_key.empty()) http.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  if (!config_.organization.empty()) http.headers.emplace_back("OpenAI-Organization", config_.organization);
  return http;
}

std::unique_ptr<StreamReader> OpenAiDialect::stream_reader() const { return std::make_unique<OpenAiStreamReader>(*this); }

void OpenAiDialect::read_whole(const json& body, ReplyBuilder& reply) const {
  if (body.contains("error")) throw api_error_object(owner_, body, *redactor_);
  read_usage(body, reply);
  const json* choice = first_choice(body);
  if (!choice) throw Error(ErrorCategory::unavailable, owner_ + ": the response has no choices");
  if (const json* message = json_read::object(*choice, "message")) {
    reply.add_text(json_read::text(*message, "content"));
    if (const json* calls = json_read::array(*message, "tool_calls")) {
      int index = 0;
      for (const auto& call : *calls) {
        const json* function = json_read::object(call, "function");
        const json empty = json::object();
        const json& fn = function ? *function : empty;
        reply.add_tool_call(index++, json_read::text(call, "id"), json_read::text(fn, "name"),
                            json_read::text(fn, "arguments"));
      }
    }
  }
  if (auto reason = finish_reason(json_read::text(*choice, "finish_reason"), owner_)) reply.set_finish(*reason);
}

}  // namespace switchboard::remote
