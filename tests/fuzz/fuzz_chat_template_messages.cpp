// Fuzzes rendering real chat templates (qwen3, llama-3.2, phi-3-mini, mistral) with arbitrary
// messages, tools and variables.
//
// Input: one byte of options (which template, add_generation_prompt), then JSON. A JSON object
// with a "messages" key supplies messages plus optional "tools" and "variables"; any other JSON
// value is the messages themselves. Real templates index, slice and call methods on what the
// caller sends, so wrong types and missing fields must come out as switchboard::Error.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "chat_template.hpp"
#include "fuzz_support.hpp"

namespace {

using switchboard::local::ChatTemplate;

ChatTemplate load(const char* folder) {
  return ChatTemplate::from_model_folder(switchboard::fuzz::test_data(folder));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ChatTemplate templates[] = {
      load("fixtures/tokenizers/qwen3"), load("fixtures/tokenizers/llama-3.2"),
      load("fixtures/tokenizers/phi-3-mini"), load("fixtures/models/mistral")};
  if (size == 0) return 0;
  const uint8_t choice = data[0];
  const ChatTemplate& chat = templates[(choice & 0x7F) % 4];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto input = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return 0;

  switchboard::local::RenderOptions options;
  options.add_generation_prompt = choice & 0x80;
  const nlohmann::ordered_json* messages = &input;
  if (input.is_object() && input.contains("messages")) {
    messages = &input.at("messages");
    if (input.contains("tools")) options.tools = input.at("tools");
    if (input.contains("variables") && input.at("variables").is_object()) options.variables = input.at("variables");
  }
  try {
    chat.render(*messages, options);
  } catch (const switchboard::Error&) {
  }
  return 0;
}
