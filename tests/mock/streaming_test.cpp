// Replies as scripted, streamed one token per chunk: matching, echo, loop, max_tokens, usage.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kScripted = R"(
providers:
  test: { plugin: mock }
models:
  scripted:
    provider: test
    options:
      default_reply: "I do not know."
      replies:
        - { pattern: "weather", reply: "Sunny, big   sky.\nWarm." }
        - { match: "what is the weather", reply: "never chosen: the pattern above matches first" }
        - { match: "hello", reply: "Hello, big world" }
        - { pattern: "^count \\d+$", reply: "one two three four five" }
)";

TEST(MockStreaming, ChunksAreTheReplyTokensInOrderAndJoinToTheCompletionText) {
  auto runtime = runtime_for(kScripted);
  auto model = runtime.model("scripted");
  RecordedStream stream;
  const Completion completion = model->generate(ask("hello"), stream.sink());

  EXPECT_THAT(stream.texts(), ElementsAre("Hello,", " big", " world"));
  EXPECT_EQ(stream.joined_text(), completion.text);
  EXPECT_EQ(completion.text, "Hello, big world");
  EXPECT_EQ(completion.finish_reason, FinishReason::stop);
  EXPECT_FALSE(completion.error);
  EXPECT_TRUE(completion.tool_calls.empty());
  EXPECT_EQ(completion.usage.completion_tokens, 3);
}

TEST(MockStreaming, WhitespaceRunsLeadTheWordTheyPrecede) {
  auto runtime = runtime_for(kScripted);
  RecordedStream stream;
  const Completion completion = runtime.model("scripted")->generate(ask("how is the weather?"), stream.sink());

  EXPECT_THAT(stream.texts(), ElementsAre("Sunny,", " big", "   sky.", "\nWarm."));
  EXPECT_EQ(completion.text, "Sunny, big   sky.\nWarm.");
}

TEST(MockStreaming, FirstMatchingReplyWinsAndPatternsSearchTheMessage) {
  auto runtime = runtime_for(kScripted);
  auto model = runtime.model("scripted");
  EXPECT_EQ(model->generate(ask("what is the weather")).text, "Sunny, big   sky.\nWarm.");
  EXPECT_EQ(model->generate(ask("count 12")).text, "one two three four five");
  EXPECT_EQ(model->generate(ask("please count 12")).text, "I do not know.");  // the pattern is anchored
  EXPECT_EQ(model->generate(ask("hello!")).text, "I do not know.");           // match is exact
}

TEST(MockStreaming, PatternsSearchLongInputsWithoutExhaustingTheStack) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  long: { provider: test, options: { replies: [ { pattern: "^(a|b)*c$", reply: "found" } ] } }
)");
  auto model = runtime.model("long");
  const std::string many(100'000, 'a');  // one token: no whitespace
  EXPECT_EQ(model->generate(ask(many + "c")).text, "found");
  EXPECT_EQ(model->generate(ask(many)).text, "This is a mock reply.");
}

TEST(MockStreaming, MatchesTheLastUserMessageOfTheConversation) {
  auto runtime = runtime_for(kScripted);
  Request request;
  request.messages = {Message::system("weather"), Message::user("hello"), Message::assistant("weather"),
                      Message::user("count 3")};
  EXPECT_EQ(runtime.model("scripted")->generate(request).text, "one two three four five");
}

TEST(MockStreaming, EchoRepeatsTheLastUserMessageOrTheRawPrompt) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  parrot: { provider: test, options: { mode: echo, replies: [ { match: "ping", reply: "pong" } ] } }
)");
  auto model = runtime.model("parrot");
  RecordedStream stream;
  Request request;
  request.messages = {Message::user("first"), Message::assistant("ok"), Message::user("say  this back")};
  const Completion completion = model->generate(request, stream.sink());
  EXPECT_EQ(completion.text, "say  this back");
  EXPECT_THAT(stream.texts(), ElementsAre("say", "  this", " back"));

  EXPECT_EQ(model->generate(ask("ping")).text, "pong");  // scripted replies still come first

  Request raw;
  raw.prompt = "Once upon a time";
  raw.messages = {Message::user("ignored")};
  EXPECT_EQ(model->generate(raw).text, "Once upon a time");
}

TEST(MockStreaming, MaxTokensCutsTheReplyWithFinishLength) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  capped:
    provider: test
    defaults: { max_tokens: 3 }
    options: { default_reply: "one two three four five" }
)");
  auto model = runtime.model("capped");

  RecordedStream stream;
  const Completion from_defaults = model->generate(ask("anything"), stream.sink());
  EXPECT_EQ(from_defaults.text, "one two three");
  EXPECT_EQ(from_defaults.finish_reason, FinishReason::length);
  EXPECT_EQ(from_defaults.usage.completion_tokens, 3);
  EXPECT_EQ(stream.joined_text(), from_defaults.text);

  GenerationOptions options;
  options.max_tokens = 1;
  const Completion from_request = model->generate(ask("anything", options));
  EXPECT_EQ(from_request.text, "one");
  EXPECT_EQ(from_request.finish_reason, FinishReason::length);

  options.max_tokens = 5;  // exactly the reply: it ends on its own
  const Completion whole = model->generate(ask("anything", options));
  EXPECT_EQ(whole.text, "one two three four five");
  EXPECT_EQ(whole.finish_reason, FinishReason::stop);

  options.max_tokens = 0;
  const Completion none = model->generate(ask("anything", options));
  EXPECT_EQ(none.text, "");
  EXPECT_EQ(none.finish_reason, FinishReason::length);

  options.max_tokens = -1;
  const Completion negative = model->generate(ask("anything", options));
  EXPECT_EQ(negative.finish_reason, FinishReason::error);
  ASSERT_TRUE(negative.error);
  EXPECT_EQ(negative.error->category(), ErrorCategory::invalid_request);
}

TEST(MockStreaming, LoopRepeatsTheReplyUntilMaxTokens) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock, loop: true }
models:
  ticker: { provider: test, options: { default_reply: "tick tock" } }
  spaced: { provider: test, options: { default_reply: " la" } }
)");
  GenerationOptions options;
  options.max_tokens = 5;
  RecordedStream stream;
  const Completion ticks = runtime.model("ticker")->generate(ask("go", options), stream.sink());
  EXPECT_EQ(ticks.text, "tick tock tick tock tick");
  EXPECT_THAT(stream.texts(), ElementsAre("tick", " tock", " tick", " tock", " tick"));
  EXPECT_EQ(ticks.finish_reason, FinishReason::length);
  EXPECT_EQ(ticks.usage.completion_tokens, 5);

  options.max_tokens = 3;
  EXPECT_EQ(runtime.model("spaced")->generate(ask("go", options)).text, " la la la");
}

TEST(MockStreaming, LoopWithoutMaxTokensStopsWhenTheContextIsFull) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  small: { provider: test, context: 10, options: { loop: true, default_reply: "la" } }
)");
  auto model = runtime.model("small");
  EXPECT_EQ(model->info().context_length, 10);
  const Completion completion = model->generate(ask("sing for me"));  // 3 prompt tokens
  EXPECT_EQ(completion.usage.prompt_tokens, 3);
  EXPECT_EQ(completion.usage.completion_tokens, 7);
  EXPECT_EQ(completion.text, "la la la la la la la");
  EXPECT_EQ(completion.finish_reason, FinishReason::length);

  const Completion too_long = model->generate(ask("one two three four five six seven eight nine ten"));
  EXPECT_EQ(too_long.finish_reason, FinishReason::error);
  ASSERT_TRUE(too_long.error);
  EXPECT_EQ(too_long.error->category(), ErrorCategory::invalid_request);
  EXPECT_NE(std::string(too_long.error->what()).find("small"), std::string::npos);
  EXPECT_EQ(too_long.text, "");
}

TEST(MockStreaming, UsageCountsEveryMessageWithTheSameTokenRule) {
  auto runtime = runtime_for(kScripted);
  Request request;
  request.messages = {Message::system("You are  terse."),                                  // 3
                      Message::user("Hi"),                                                 // 1
                      Message::assistant("", {{"call_1", "get_time", R"({"zone":"UTC"})"}}),  // 1 + 1
                      Message::tool("call_1", "12:00 UTC"),                                // 2
                      Message::user("hello")};                                             // 1
  const Completion completion = runtime.model("scripted")->generate(request);
  EXPECT_EQ(completion.usage.prompt_tokens, 9);
  EXPECT_EQ(completion.usage.completion_tokens, 3);
  EXPECT_EQ(completion.usage.cached_prompt_tokens, 0);
}

TEST(MockStreaming, TimingsAreFilledIn) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  slow: { provider: test, options: { token_delay_ms: 1.5, default_reply: "a b c d" } }
)");
  const Completion completion = runtime.model("slow")->generate(ask("x"));
  EXPECT_EQ(completion.text, "a b c d");
  EXPECT_GT(completion.timings.time_to_first_token_ms, 0);
  EXPECT_GE(completion.timings.total_ms, completion.timings.time_to_first_token_ms);
  EXPECT_GT(completion.timings.tokens_per_second, 0);
  EXPECT_GT(completion.timings.prompt_tokens_per_second, 0);
}

TEST(MockStreaming, ModelInfoDescribesTheMock) {
  auto runtime = runtime_for(kScripted);
  const ModelInfo info = runtime.model("scripted")->info();
  EXPECT_EQ(info.id, "scripted");
  EXPECT_EQ(info.provider, "test");
  EXPECT_EQ(info.context_length, 4096);
  EXPECT_TRUE(info.streaming);
  EXPECT_TRUE(info.tools);
  EXPECT_FALSE(info.json_mode);

  const ProviderInfo provider = runtime.provider("test")->info();
  EXPECT_EQ(provider.name, "test");
  EXPECT_EQ(provider.plugin, "mock");
  EXPECT_FALSE(provider.version.empty());
}

TEST(MockStreaming, ProviderOptionsAreDefaultsThatModelOptionsReplace) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock, default_reply: "from the provider", replies: [ { match: "hi", reply: "hi from the provider" } ] }
models:
  plain: { provider: test }
  own: { provider: test, options: { default_reply: "from the model" } }
)");
  EXPECT_EQ(runtime.model("plain")->generate(ask("?")).text, "from the provider");
  EXPECT_EQ(runtime.model("own")->generate(ask("?")).text, "from the model");
  EXPECT_EQ(runtime.model("own")->generate(ask("hi")).text, "hi from the provider");
}

}  // namespace
}  // namespace switchboard::mock_test
