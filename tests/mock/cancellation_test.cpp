// Cancellation from another thread, and concurrent calls on one model.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <thread>
#include <vector>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

// A guard against hangs, not a timing assertion: what it waits for takes milliseconds.
constexpr auto kHangGuard = std::chrono::seconds(60);

constexpr std::string_view kCatalog = R"(
providers:
  test: { plugin: mock }
models:
  ticker: { provider: test, options: { loop: true, default_reply: "tick", token_delay_ms: 2 } }
  sleepy: { provider: test, options: { default_reply: "never", token_delay_ms: 600000 } }
  parrot: { provider: test, options: { mode: echo, token_delay_ms: 1 } }
)";

TEST(MockCancellation, AStopFromAnotherThreadEndsTheReplyMidStreamWithTheTextSoFar) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("ticker");
  std::stop_source stop;
  std::promise<void> fifth_chunk;
  RecordedStream stream;
  auto sink = [&](const Chunk& chunk) {
    stream.chunks.push_back(chunk);
    if (stream.chunks.size() == 5) fifth_chunk.set_value();
  };
  GenerationOptions options;
  options.max_tokens = 1'000'000;
  auto generating = std::async(std::launch::async, [&] { return model->generate(ask("go", options), sink, stop.get_token()); });

  ASSERT_EQ(fifth_chunk.get_future().wait_for(kHangGuard), std::future_status::ready);
  stop.request_stop();
  ASSERT_EQ(generating.wait_for(kHangGuard), std::future_status::ready);
  const Completion completion = generating.get();

  EXPECT_EQ(completion.finish_reason, FinishReason::cancelled);
  EXPECT_FALSE(completion.error);
  EXPECT_GE(stream.chunks.size(), 5u);
  EXPECT_LT(stream.chunks.size(), 1'000'000u);
  EXPECT_EQ(completion.text, stream.joined_text());
  EXPECT_EQ(completion.text.substr(0, 24), "tick tick tick tick tick");
  EXPECT_EQ(completion.usage.completion_tokens, static_cast<std::int64_t>(stream.chunks.size()));
}

TEST(MockCancellation, AStopWakesTheTokenDelayAtOnce) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("sleepy");
  ASSERT_EQ(model->prepare().phase, LoadState::Phase::ready);
  std::stop_source stop;
  std::atomic<bool> started = false;
  auto generating = std::async(std::launch::async, [&] {
    started = true;
    return model->generate(ask("go"), {}, stop.get_token());
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it reach the ten-minute delay
  stop.request_stop();
  // Without waking on the stop, this would wait for the whole delay.
  ASSERT_EQ(generating.wait_for(kHangGuard), std::future_status::ready);
  const Completion completion = generating.get();
  EXPECT_EQ(completion.finish_reason, FinishReason::cancelled);
  EXPECT_EQ(completion.text, "");
}

TEST(MockCancellation, AStopRequestedBeforeTheCallGivesNoText) {
  auto runtime = runtime_for(kCatalog);
  std::stop_source stop;
  stop.request_stop();
  RecordedStream stream;
  const Completion completion = runtime.model("ticker")->generate(ask("go"), stream.sink(), stop.get_token());
  EXPECT_EQ(completion.finish_reason, FinishReason::cancelled);
  EXPECT_EQ(completion.text, "");
  EXPECT_TRUE(stream.chunks.empty());
}

TEST(MockConcurrency, CallsOnOneModelRunTogetherAndStayIndependent) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("parrot");
  constexpr int kThreads = 8;

  // Each call waits, after its first chunk, until every call has sent one: calls that were
  // served one after another would never all get there.
  std::latch all_streaming(kThreads);
  std::vector<bool> saw_all_streaming(kThreads, false);
  std::vector<Completion> completions(kThreads);
  std::vector<RecordedStream> streams(kThreads);
  std::vector<std::string> prompts(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    prompts[i] = "thread " + std::to_string(i) + " says" + std::string(i, '!') + " hello to number " + std::to_string(i);
    threads.emplace_back([&, i] {
      bool first = true;
      auto sink = [&](const Chunk& chunk) {
        streams[i].chunks.push_back(chunk);
        if (!first) return;
        first = false;
        all_streaming.count_down();
        const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
        while (!all_streaming.try_wait() && std::chrono::steady_clock::now() < deadline)
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        saw_all_streaming[i] = all_streaming.try_wait();
      };
      completions[i] = model->generate(ask(prompts[i]), sink);
    });
  }
  for (auto& thread : threads) thread.join();

  for (int i = 0; i < kThreads; ++i) {
    EXPECT_TRUE(saw_all_streaming[i]) << "call " << i;
    EXPECT_EQ(completions[i].finish_reason, FinishReason::stop) << "call " << i;
    EXPECT_EQ(completions[i].text, prompts[i]);
    EXPECT_EQ(streams[i].joined_text(), prompts[i]);
    EXPECT_EQ(completions[i].usage.completion_tokens, 7);  // "thread", " 0", " says!..", " hello", " to", " number", " 0"
  }
}

}  // namespace
}  // namespace switchboard::mock_test
