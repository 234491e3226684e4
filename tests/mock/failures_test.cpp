// Injected faults: a reply that breaks off, a failing call, a model that cannot load.

#include <gtest/gtest.h>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

TEST(MockFailures, AFailureAfterTokensKeepsTheTextSoFar) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  flaky:
    provider: test
    options:
      default_reply: "one two three four five"
      fail: { category: rate_limited, message: "slow down", after_tokens: 2 }
)");
  RecordedStream stream;
  const Completion completion = runtime.model("flaky")->generate(ask("go"), stream.sink());
  EXPECT_EQ(completion.finish_reason, FinishReason::error);
  ASSERT_TRUE(completion.error);
  EXPECT_EQ(completion.error->category(), ErrorCategory::rate_limited);
  EXPECT_STREQ(completion.error->what(), "slow down");
  EXPECT_EQ(completion.text, "one two");
  EXPECT_EQ(stream.joined_text(), "one two");
  EXPECT_EQ(completion.usage.completion_tokens, 2);
}

TEST(MockFailures, AFailureDueAfterTheReplyEndsHappensAtItsEnd) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  late: { provider: test, options: { default_reply: "short", fail: { category: unavailable, after_tokens: 10 } } }
)");
  const Completion completion = runtime.model("late")->generate(ask("go"));
  EXPECT_EQ(completion.finish_reason, FinishReason::error);
  ASSERT_TRUE(completion.error);
  EXPECT_EQ(completion.error->category(), ErrorCategory::unavailable);
  EXPECT_EQ(completion.text, "short");
}

TEST(MockFailures, OnCallFailsOnlyThatCallOfThatModelBeforeAnyToken) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock, fail: { category: timeout, message: "took too long", on_call: 2 } }
models:
  first: { provider: test, options: { default_reply: "fine" } }
  second: { provider: test, options: { default_reply: "also fine" } }
)");
  auto first = runtime.model("first");
  auto second = runtime.model("second");

  EXPECT_EQ(first->generate(ask("1")).finish_reason, FinishReason::stop);
  EXPECT_EQ(second->generate(ask("1")).text, "also fine");  // calls are counted per model

  RecordedStream stream;
  const Completion failed = first->generate(ask("2"), stream.sink());
  EXPECT_EQ(failed.finish_reason, FinishReason::error);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->category(), ErrorCategory::timeout);
  EXPECT_STREQ(failed.error->what(), "took too long");
  EXPECT_EQ(failed.text, "");
  EXPECT_TRUE(stream.chunks.empty());
  EXPECT_EQ(failed.usage.completion_tokens, 0);

  const Completion third = first->generate(ask("3"));
  EXPECT_EQ(third.finish_reason, FinishReason::stop);
  EXPECT_EQ(third.text, "fine");
  EXPECT_FALSE(third.error);

  EXPECT_EQ(second->generate(ask("2")).finish_reason, FinishReason::error);
}

TEST(MockFailures, AFailedLoadFailsTheStateAndEveryCall) {
  auto runtime = runtime_for(R"(
providers:
  test: { plugin: mock }
models:
  broken: { provider: test, options: { fail_load: { category: model_format, message: "bad weights" } } }
)");
  auto model = runtime.model("broken");
  EXPECT_EQ(model->state().phase, LoadState::Phase::pending);  // loading is lazy

  RecordedStream stream;
  const Completion completion = model->generate(ask("hello"), stream.sink());
  EXPECT_EQ(completion.finish_reason, FinishReason::error);
  ASSERT_TRUE(completion.error);
  EXPECT_EQ(completion.error->category(), ErrorCategory::model_format);
  EXPECT_STREQ(completion.error->what(), "bad weights");
  EXPECT_TRUE(stream.chunks.empty());

  const LoadState state = model->state();
  EXPECT_EQ(state.phase, LoadState::Phase::failed);
  ASSERT_TRUE(state.error);
  EXPECT_EQ(state.error->category(), ErrorCategory::model_format);
  EXPECT_EQ(model->prepare().phase, LoadState::Phase::failed);
  EXPECT_EQ(model->generate(ask("again")).finish_reason, FinishReason::error);
}

}  // namespace
}  // namespace switchboard::mock_test
