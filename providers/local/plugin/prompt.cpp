#include "plugin/prompt.hpp"

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace {

nlohmann::ordered_json template_messages(const std::vector<Message>& messages) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& message : messages) {
    nlohmann::ordered_json entry{{"role", std::string(to_string(message.role))}, {"content", message.content}};
    if (!message.tool_calls.empty()) {
      auto calls = nlohmann::ordered_json::array();
      for (const auto& call : message.tool_calls) {
        nlohmann::ordered_json arguments = nlohmann::ordered_json::parse(call.arguments, nullptr, false);
        if (arguments.is_discarded()) arguments = call.arguments;
        calls.push_back({{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", arguments}}}});
      }
      entry["tool_calls"] = calls;
    }
    if (!message.tool_call_id.empty()) entry["tool_call_id"] = message.tool_call_id;
    if (!message.name.empty()) entry["name"] = message.name;
    list.push_back(std::move(entry));
  }
  return list;
}

nlohmann::ordered_json template_tools(const std::vector<ToolDefinition>& tools) {
  if (tools.empty()) return nullptr;
  auto list = nlohmann::ordered_json::array();
  for (const auto& tool : tools)
    list.push_back({{"type", "function"},
                    {"function", {{"name", tool.name}, {"description", tool.description}, {"parameters", nlohmann::ordered_json(tool.parameters)}}}});
  return list;
}

}  // namespace

std::vector<std::int32_t> prompt_tokens(const LoadedModel& model, const Request& request) {
  if (request.prompt) return model.tokenizer.encode(*request.prompt, true);
  if (request.messages.empty()) throw Error(ErrorCategory::invalid_request, "the request has neither messages nor a prompt");
  if (!model.chat_template) {
    std::string text;
    for (const auto& message : request.messages) text += (text.empty() ? "" : "\n\n") + message.content;
    return model.tokenizer.encode(text, true);
  }
  RenderOptions options;
  options.add_generation_prompt = true;
  options.tools = template_tools(request.options.tools);
  const std::string rendered = model.chat_template->render(template_messages(request.messages), options);
  return model.tokenizer.encode(rendered, false);
}

}  // namespace switchboard::local
