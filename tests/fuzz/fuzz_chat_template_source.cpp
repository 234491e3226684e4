// Fuzzes the chat template engine with arbitrary template source.
//
// Input: the template text. It is compiled and, when it compiles, rendered against one fixed
// conversation (system, user, assistant with a tool call, tool result, user) with and without
// tools, so the lexer, parser, interpreter, filters and tests all see hostile programs. A
// template that fails to parse or raises is a switchboard::Error; runaway loops and output are
// stopped by the engine's own budgets, so they end in an Error as well, never in a hang.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "chat_template.hpp"
#include "fuzz_support.hpp"

namespace {

using nlohmann::ordered_json;

const ordered_json& conversation() {
  static const ordered_json messages = ordered_json::parse(R"([
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "Weather in Paris? Ça va?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "id": "call_1",
      "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
    {"role": "tool", "name": "get_weather", "tool_call_id": "call_1", "content": "{\"temp\": 21.5}"},
    {"role": "assistant", "content": "21.5 °C.", "reasoning_content": "Read the tool."},
    {"role": "user", "content": [{"type": "text", "text": "And tomorrow?"}]}
  ])");
  return messages;
}

const ordered_json& tools() {
  static const ordered_json schema = ordered_json::parse(R"([{"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"},
      "days": {"type": "integer", "enum": [1, 2, 3]}}, "required": ["city"]}}}])");
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  try {
    const switchboard::local::ChatTemplate chat(source, {{"bos_token", "<s>"}, {"eos_token", "</s>"}});
    switchboard::local::RenderOptions options;
    options.add_generation_prompt = true;
    options.variables = {{"date_string", "26 Jul 2024"}, {"enable_thinking", false}};
    try {
      chat.render(conversation(), options);
    } catch (const switchboard::Error&) {
    }
    options.tools = tools();
    options.add_generation_prompt = false;
    chat.render(conversation(), options);
  } catch (const switchboard::Error&) {
  }
  return 0;
}
