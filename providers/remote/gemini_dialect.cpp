#include "gemini_dialect.hpp"

#include "api_error.hpp"

namespace switchboard::remote {
namespace {

using nlohmann::json;

// Gemini function results and arguments are JSON objects; anything else is wrapped.
json as_object(const std::string& text, const char* wrap_key) {
  auto parsed = json::parse(text, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object()) return parsed;
  return {{wrap_key, parsed.is_discarded() ? json(text) : parsed}};
}

// The function a tool result answers: its own name, else the call with that id earlier on.
std::string function_name(const std::vector<Message>& messages, std::size_t tool_message) {
  const Message& result = messages[tool_message];
  if (!result.name.empty()) return result.name;
  for (std::size_t i = tool_message; i-- > 0;)
    for (const auto& call : messages[i].tool_calls)
      if (call.id == result.tool_call_id) return call.name;
  return {};
}

void append_turn(json& contents, const char* role, json part) {
  if (!contents.empty() && contents.back()["role"] == role) {
    contents.back()["parts"].push_back(std::move(part));
    return;
  }
  contents.push_back({{"role", role}, {"parts", json::array({std::move(part)})}});
}

std::optional<FinishReason> finish_reason(std::string_view reason, bool called_tools, const std::string& owner) {
  if (reason.empty() || reason == "FINISH_REASON_UNSPECIFIED") return std::nullopt;
  if (reason == "STOP") return called_tools ? FinishReason::tool_calls : FinishReason::stop;
  if (reason == "MAX_TOKENS") return FinishReason::length;
  // SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, MALFORMED_FUNCTION_CALL, OTHER, ...
  throw Error(ErrorCategory::invalid_request, owner + ": the reply was stopped (finishReason " + std::string(reason) + ")");
}

// One GenerateContentResponse: a whole reply, or one piece of a stream. Returns true when it
// carried a finish reason.
bool read_response(const json& response, ReplyBuilder& reply, int& calls, const Dialect& dialect) {
  if (response.contains("error")) throw api_error_object(dialect.owner(), response, dialect.redactor());
  if (const json* feedback = json_read::object(response, "promptFeedback")) {
    const auto blocked = json_read::text(*feedback, "blockReason");
    if (!blocked.empty())
      throw Error(ErrorCategory::invalid_request, dialect.owner() + ": the prompt was blocked (" + std::string(blocked) + ")");
  }
  if (const json* usage = json_read::object(response, "usageMetadata")) {
    Usage read;
    read.prompt_tokens = json_read::integer(*usage, "promptTokenCount");
    read.completion_tokens =
        json_read::integer(*usage, "candidatesTokenCount") + json_read::integer(*usage, "thoughtsTokenCount");
    read.cached_prompt_tokens = json_read::integer(*usage, "cachedContentTokenCount");
    reply.set_usage(read);
  }
  const json* candidates = json_read::array(response, "candidates");
  if (!candidates || candidates->empty()) return false;
  const json& candidate = candidates->front();
  if (const json* content = json_read::object(candidate, "content"))
    if (const json* parts = json_read::array(*content, "parts"))
      for (const auto& part : *parts) {
        if (part.is_object() && part.value("thought", false)) continue;  // the model's reasoning is not the reply
        if (const json* call = json_read::object(part, "functionCall")) {
          const int index = calls++;
          std::string id(json_read::text(*call, "id"));
          if (id.empty()) id = "call_" + std::to_string(index);  // older Gemini models give no ids
          const auto args = call->contains("args") ? (*call)["args"].dump() : std::string("{}");
          reply.add_tool_call(index, id, json_read::text(*call, "name"), args);
        } else {
          reply.add_text(json_read::text(part, "text"));
        }
      }
  if (auto reason = finish_reason(json_read::text(candidate, "finishReason"), calls > 0, dialect.owner())) {
    reply.set_finish(*reason);
    return true;
  }
  return false;
}

class GeminiStreamReader : public StreamReader {
 public:
  explicit GeminiStreamReader(const Dialect& dialect) : dialect_(dialect) {}

  void on_event(const SseEvent& event, ReplyBuilder& reply) override {
    if (read_response(dialect_.parse_json(event.data, "a streamed event"), reply, calls_, dialect_)) finished_ = true;
  }
  bool complete() const override { return finished_; }

 private:
  const Dialect& dialect_;
  int calls_ = 0;
  bool finished_ = false;
};

}  // namespace

HttpRequest GeminiDialect::build(const std::string& model, const Request& request, const GenerationOptions& options,
                                 bool stream) const {
  if (request.prompt)
    throw Error(ErrorCategory::invalid_request, owner_ + ": raw prompts are not supported by generateContent; send messages");
  json body = json::object();
  std::string system;
  json contents = json::array();
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    switch (message.role) {
      case Role::system:
        if (!system.empty()) system += "\n\n";
        system += message.content;
        break;
      case Role::user:
        append_turn(contents, "user", {{"text", message.content}});
        break;
      case Role::assistant:
        if (!message.content.empty()) append_turn(contents, "model", {{"text", message.content}});
        for (const auto& call : message.tool_calls)
          append_turn(contents, "model", {{"functionCall", {{"name", call.name}, {"args", as_object(call.arguments, "value")}}}});
        break;
      case Role::tool:
        append_turn(contents, "user",
                    {{"functionResponse",
                      {{"name", function_name(request.messages, i)}, {"response", as_object(message.content, "content")}}}});
        break;
    }
  }
  body["contents"] = std::move(contents);
  if (!system.empty()) body["systemInstruction"] = {{"parts", json::array({{{"text", system}}})}};

  json config = json::object();
  if (options.max_tokens) config["maxOutputTokens"] = *options.max_tokens;
  if (options.temperature) config["temperature"] = *options.temperature;
  if (options.top_p) config["topP"] = *options.top_p;
  if (options.top_k) config["topK"] = *options.top_k;
  if (options.seed) config["seed"] = *options.seed;
  if (options.presence_penalty) config["presencePenalty"] = *options.presence_penalty;
  if (options.frequency_penalty) config["frequencyPenalty"] = *options.frequency_penalty;
  if (!options.stop.empty()) config["stopSequences"] = options.stop;
  if (options.response_format && options.response_format->type != ResponseFormat::Type::text) {
    config["responseMimeType"] = "application/json";
    if (options.response_format->type == ResponseFormat::Type::json_schema)
      config["responseJsonSchema"] = options.response_format->schema;
  }
  if (!config.empty()) body["generationConfig"] = std::move(config);

  if (!options.tools.empty()) {
    json declarations = json::array();
    for (const auto& tool : options.tools)
      declarations.push_back({{"name", tool.name}, {"description", tool.description}, {"parameters", tool.parameters}});
    body["tools"] = json::array({{{"functionDeclarations", std::move(declarations)}}});
  }
  if (options.tool_choice) {
    json calling = json::object();
    switch (options.tool_choice->mode) {
      case ToolChoice::Mode::automatic: calling["mode"] = "AUTO"; break;
      case ToolChoice::Mode::none: calling["mode"] = "NONE"; break;
      case ToolChoice::Mode::required: calling["mode"] = "ANY"; break;
      case ToolChoice::Mode::function:
        calling["mode"] = "ANY";
        calling["allowedFunctionNames"] = json::array({options.tool_choice->function});
        break;
    }
    body["toolConfig"] = {{"functionCallingConfig", std::move(calling)}};
  }

  std::string name = model.starts_with("models/") ? model.substr(7) : model;
  std::string url = config_.base_url + "/models/" + name + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  HttpRequest http{std::move(url), base_headers(stream), body.dump()};
  if (!config_.api_key.empty()) http.headers.emplace_back("x-goog-api-key", config_.api_key);
  return http;
}

std::unique_ptr<StreamReader> GeminiDialect::stream_reader() const { return std::make_unique<GeminiStreamReader>(*this); }

void GeminiDialect::read_whole(const json& body, ReplyBuilder& reply) const {
  int calls = 0;
  read_response(body, reply, calls, *this);
}

}  // namespace switchboard::remote
