// Rendering speed of real chat templates (Qwen3, Llama 3.2 from tests/fixtures/tokenizers/) on a
// realistic six-message conversation, without and with two tools. The template is compiled once,
// outside the timing, as the local provider does when it opens a model; each iteration is one
// ChatTemplate::render. renders/s counts calls, bytes/s the rendered prompt's bytes.
//
//   cmake -S . -B build/bench -G Ninja && cmake --build build/bench --target bench_chat_template_render
//   build/bench/bin/bench_chat_template_render

#include <benchmark/benchmark.h>

#include <string>

#include <nlohmann/json.hpp>

#include "chat_template.hpp"

namespace {

using nlohmann::ordered_json;
using switchboard::local::ChatTemplate;
using switchboard::local::RenderOptions;

const ordered_json& conversation() {
  static const ordered_json messages = ordered_json::parse(R"([
    {"role": "system", "content": "You are a concise assistant for a travel agency. Answer in two sentences at most."},
    {"role": "user", "content": "I want to spend a long weekend in Lisbon in October. Is the weather still good then?"},
    {"role": "assistant", "content": "October in Lisbon is usually mild, around 20 to 23 °C by day, with occasional rain. It is a good time: fewer crowds than summer."},
    {"role": "user", "content": "Which neighbourhood should I stay in if I want to walk everywhere and eat well?"},
    {"role": "assistant", "content": "Baixa and Chiado are central and flat enough to walk, with many restaurants; Príncipe Real is quieter and close by."},
    {"role": "user", "content": "Great. Can you check the forecast for next Saturday and suggest one restaurant near Chiado?"}
  ])");
  return messages;
}

// The same conversation, where the assistant has called a tool and read its result.
const ordered_json& conversation_with_tool_call() {
  static const ordered_json messages = [] {
    ordered_json list = conversation();
    list.push_back(ordered_json::parse(R"({"role": "assistant", "content": "", "tool_calls": [{"type": "function",
      "function": {"name": "get_forecast", "arguments": {"city": "Lisbon", "date": "2026-10-10"}}}]})"));
    list.push_back(ordered_json::parse(R"({"role": "tool", "name": "get_forecast",
      "content": "{\"high_c\": 22, \"low_c\": 15, \"rain_probability\": 0.2}"})"));
    return list;
  }();
  return messages;
}

const ordered_json& tools() {
  static const ordered_json schemas = ordered_json::parse(R"([
    {"type": "function", "function": {"name": "get_forecast", "description": "Weather forecast for a city on a date",
      "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name"},
        "date": {"type": "string", "description": "ISO 8601 date"}}, "required": ["city", "date"]}}},
    {"type": "function", "function": {"name": "find_restaurants", "description": "Restaurants near a place",
      "parameters": {"type": "object", "properties": {
        "near": {"type": "string"}, "cuisine": {"type": "string"},
        "max_results": {"type": "integer", "minimum": 1, "maximum": 10}}, "required": ["near"]}}}
  ])");
  return schemas;
}

void render(benchmark::State& state, const char* family, bool with_tools) {
  const ChatTemplate chat =
      ChatTemplate::from_model_folder(std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/fixtures/tokenizers/" + family);
  RenderOptions options;
  options.add_generation_prompt = true;
  options.variables = {{"date_string", "26 Jul 2024"}};
  if (with_tools) options.tools = tools();
  const ordered_json& messages = with_tools ? conversation_with_tool_call() : conversation();

  size_t bytes = 0;
  for (auto _ : state) {
    const std::string prompt = chat.render(messages, options);
    bytes = prompt.size();
    benchmark::DoNotOptimize(prompt.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["prompt_bytes"] = static_cast<double>(bytes);
}

}  // namespace

BENCHMARK_CAPTURE(render, qwen3, "qwen3", false);
BENCHMARK_CAPTURE(render, qwen3_tools, "qwen3", true);
BENCHMARK_CAPTURE(render, llama_3_2, "llama-3.2", false);
BENCHMARK_CAPTURE(render, llama_3_2_tools, "llama-3.2", true);

BENCHMARK_MAIN();
