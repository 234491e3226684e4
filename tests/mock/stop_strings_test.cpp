// Stop strings end the reply and never reach the caller, even split across tokens.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kCatalog = R"(
providers:
  test: { plugin: mock }
models:
  talker:
    provider: test
    stop: ["<END>"]
    options:
      replies:
        - { match: "one", reply: "one two three four" }
        - { match: "split", reply: "text END OF story" }
        - { match: "almost", reply: "the END is near" }
        - { match: "tail", reply: "wait for END" }
        - { match: "catalog", reply: "done<END> hidden" }
)";

GenerationOptions stop_at(std::vector<std::string> stops) {
  GenerationOptions options;
  options.stop = std::move(stops);
  return options;
}

bool any_chunk_contains(const RecordedStream& stream, std::string_view text) {
  for (const auto& chunk : stream.chunks)
    if (chunk.text.find(text) != std::string::npos) return true;
  return false;
}

TEST(MockStopStrings, AStopStringInOneTokenEndsTheReplyBeforeIt) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("talker")->generate(ask("one", stop_at({"three"})), stream.sink());
  EXPECT_EQ(completion.text, "one two ");
  EXPECT_EQ(completion.finish_reason, FinishReason::stop);
  EXPECT_EQ(stream.joined_text(), completion.text);
  EXPECT_FALSE(any_chunk_contains(stream, "three"));
  // The token that completed the stop string was generated, so it counts.
  EXPECT_EQ(completion.usage.completion_tokens, 3);
}

TEST(MockStopStrings, AStopStringSplitAcrossTokensIsHeldBackAndNeverShown) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("talker")->generate(ask("split", stop_at({"END OF"})), stream.sink());
  EXPECT_EQ(completion.text, "text ");
  EXPECT_EQ(completion.finish_reason, FinishReason::stop);
  EXPECT_EQ(stream.joined_text(), "text ");
  EXPECT_FALSE(any_chunk_contains(stream, "END"));
}

TEST(MockStopStrings, HeldBackTextIsReleasedWhenTheStopStringDoesNotFollow) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("talker")->generate(ask("almost", stop_at({"END OF"})), stream.sink());
  EXPECT_EQ(completion.text, "the END is near");
  EXPECT_EQ(completion.finish_reason, FinishReason::stop);
  // "END" waited for the next token, then went out with it.
  EXPECT_THAT(stream.texts(), ElementsAre("the", " ", "END is", " near"));
}

TEST(MockStopStrings, HeldBackTextAtTheEndOfTheReplyIsReleased) {
  auto runtime = runtime_for(kCatalog);
  RecordedStream stream;
  const Completion completion = runtime.model("talker")->generate(ask("tail", stop_at({"END OF"})), stream.sink());
  EXPECT_EQ(completion.text, "wait for END");
  EXPECT_EQ(stream.joined_text(), completion.text);
  EXPECT_EQ(completion.finish_reason, FinishReason::stop);
}

TEST(MockStopStrings, TheEarliestOfSeveralStopStringsWins) {
  auto runtime = runtime_for(kCatalog);
  const Completion completion = runtime.model("talker")->generate(ask("one", stop_at({"four", "two"})));
  EXPECT_EQ(completion.text, "one ");
}

TEST(MockStopStrings, CatalogStopStringsApplyUnderTheRequests) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("talker");
  RecordedStream stream;
  const Completion from_catalog = model->generate(ask("catalog"), stream.sink());
  EXPECT_EQ(from_catalog.text, "done");
  EXPECT_FALSE(any_chunk_contains(stream, "<"));
  // A request's own stop strings add to the catalog's.
  EXPECT_EQ(model->generate(ask("catalog", stop_at({"on"}))).text, "d");
}

}  // namespace
}  // namespace switchboard::mock_test
