// Tool-call replies stream as ToolCallDelta chunks and end with FinishReason::tool_calls.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

constexpr std::string_view kCatalog = R"(
providers:
  test: { plugin: mock }
models:
  agent:
    provider: test
    options:
      replies:
        - match: "weather in Paris?"
          tool_calls:
            - { name: get_weather, arguments: { city: "Paris", unit: "celsius" } }
        - match: "plan a trip"
          reply: "Let me look."
          tool_calls:
            - { name: find_flights, arguments: { to: "Lisbon" } }
            - { name: find_hotels, arguments: { city: "Lisbon", nights: 3 } }
        - { match: "18C", reply: "It is 18C in Paris." }
)";

TEST(MockToolCalls, ACallStreamsItsIdAndNameThenItsArgumentsInPieces) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("agent")->generate(ask("weather in Paris?"), stream.sink());

  ASSERT_GE(stream.chunks.size(), 3u);  // the name, then arguments in more than one piece
  const Chunk& first = stream.chunks.front();
  EXPECT_TRUE(first.text.empty());
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.tool_calls[0].index, 0);
  EXPECT_EQ(first.tool_calls[0].id, "call_1");
  EXPECT_EQ(first.tool_calls[0].name, "get_weather");
  EXPECT_EQ(first.tool_calls[0].arguments, "");

  std::string arguments;
  for (std::size_t i = 1; i < stream.chunks.size(); ++i) {
    ASSERT_EQ(stream.chunks[i].tool_calls.size(), 1u);
    const ToolCallDelta& delta = stream.chunks[i].tool_calls[0];
    EXPECT_EQ(delta.index, 0);
    EXPECT_TRUE(delta.id.empty());
    EXPECT_TRUE(delta.name.empty());
    EXPECT_FALSE(delta.arguments.empty());
    arguments += delta.arguments;
  }
  const auto expected = nlohmann::json{{"city", "Paris"}, {"unit", "celsius"}};
  EXPECT_EQ(nlohmann::json::parse(arguments), expected);

  EXPECT_EQ(completion.finish_reason, FinishReason::tool_calls);
  EXPECT_EQ(completion.text, "");
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0], (ToolCall{"call_1", "get_weather", arguments}));
  EXPECT_EQ(completion.usage.completion_tokens, static_cast<std::int64_t>(stream.chunks.size()));
}

TEST(MockToolCalls, TextComesFirstAndSeveralCallsKeepTheirOwnIndex) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("agent")->generate(ask("plan a trip"), stream.sink());

  EXPECT_EQ(completion.text, "Let me look.");
  EXPECT_EQ(stream.joined_text(), "Let me look.");
  ASSERT_EQ(completion.tool_calls.size(), 2u);
  EXPECT_EQ(completion.tool_calls[0].id, "call_1");
  EXPECT_EQ(completion.tool_calls[0].name, "find_flights");
  EXPECT_EQ(nlohmann::json::parse(completion.tool_calls[0].arguments), (nlohmann::json{{"to", "Lisbon"}}));
  EXPECT_EQ(completion.tool_calls[1].id, "call_2");
  EXPECT_EQ(completion.tool_calls[1].name, "find_hotels");
  EXPECT_EQ(nlohmann::json::parse(completion.tool_calls[1].arguments),
            (nlohmann::json{{"city", "Lisbon"}, {"nights", 3}}));
  EXPECT_EQ(completion.finish_reason, FinishReason::tool_calls);

  // Deltas rebuild the same calls, grouped by index, and no text arrives after the first call.
  std::vector<ToolCall> rebuilt;
  bool calls_started = false;
  for (const auto& chunk : stream.chunks) {
    if (calls_started) {
      EXPECT_TRUE(chunk.text.empty());
    }
    for (const auto& delta : chunk.tool_calls) {
      calls_started = true;
      if (delta.index == static_cast<int>(rebuilt.size())) rebuilt.push_back({delta.id, delta.name, ""});
      ASSERT_LT(delta.index, static_cast<int>(rebuilt.size()));
      rebuilt[delta.index].arguments += delta.arguments;
    }
  }
  EXPECT_EQ(rebuilt, completion.tool_calls);
}

TEST(MockToolCalls, MaxTokensCanCutACallShort) {
  auto runtime = runtime_for(kCatalog);
  GenerationOptions options;
  options.max_tokens = 1;
  const Completion completion = runtime.model("agent")->generate(ask("weather in Paris?", options));
  EXPECT_EQ(completion.finish_reason, FinishReason::length);
  ASSERT_EQ(completion.tool_calls.size(), 1u);
  EXPECT_EQ(completion.tool_calls[0].name, "get_weather");
  EXPECT_EQ(completion.tool_calls[0].arguments, "");
}

TEST(MockToolCalls, AToolResultIsWhatTheNextReplyAnswers) {
  auto runtime = runtime_for(kCatalog);
  ChatSession chat(runtime.model("agent"));
  const Completion call = chat.send("weather in Paris?");
  ASSERT_EQ(call.finish_reason, FinishReason::tool_calls);
  ASSERT_EQ(call.tool_calls.size(), 1u);

  const Completion answer = chat.send_tool_result(call.tool_calls[0].id, "18C");
  EXPECT_EQ(answer.text, "It is 18C in Paris.");
  EXPECT_EQ(answer.finish_reason, FinishReason::stop);

  // A later call's id does not repeat one already in the conversation.
  const Completion again = chat.send("weather in Paris?");
  ASSERT_EQ(again.tool_calls.size(), 1u);
  EXPECT_EQ(again.tool_calls[0].id, "call_2");
}

}  // namespace
}  // namespace switchboard::mock_test
