// Load states: pending when opened, loading for load_delay_ms, then ready.

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

constexpr std::string_view kCatalog = R"(
providers:
  test: { plugin: mock }
models:
  quick: { provider: test, options: { load_delay_ms: 1 } }
  instant: { provider: test }
  heavy: { provider: test, options: { load_delay_ms: 600000 } }
)";

// A guard against hangs, not a timing assertion: what it waits for takes milliseconds.
constexpr auto kHangGuard = std::chrono::seconds(60);

TEST(MockLoadState, PendingUntilPreparedThenReady) {
  auto runtime = runtime_for(kCatalog);
  for (const char* name : {"quick", "instant"}) {
    auto model = runtime.model(name);
    EXPECT_EQ(model->state().phase, LoadState::Phase::pending) << name;
    const LoadState prepared = model->prepare();
    EXPECT_EQ(prepared.phase, LoadState::Phase::ready) << name;
    EXPECT_FALSE(prepared.error);
    EXPECT_EQ(model->state().phase, LoadState::Phase::ready) << name;
  }
}

TEST(MockLoadState, GenerateLoadsOnFirstUse) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("quick");
  EXPECT_EQ(model->generate(ask("hi")).text, "This is a mock reply.");
  EXPECT_EQ(model->state().phase, LoadState::Phase::ready);
}

TEST(MockLoadState, LoadingIsVisibleAndAStoppedLoadGoesBackToPending) {
  auto runtime = runtime_for(kCatalog);
  auto model = runtime.model("heavy");
  std::stop_source stop;
  auto preparing = std::async(std::launch::async, [&] { return model->prepare(stop.get_token()); });

  const auto deadline = std::chrono::steady_clock::now() + kHangGuard;
  while (model->state().phase != LoadState::Phase::loading && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  const LoadState loading = model->state();
  ASSERT_EQ(loading.phase, LoadState::Phase::loading);
  EXPECT_GE(loading.progress, 0.0);
  EXPECT_LT(loading.progress, 1.0);

  // A generate() that arrives meanwhile waits for the load; stopped, it ends cancelled.
  std::stop_source generate_stop;
  auto waiting = std::async(std::launch::async, [&] { return model->generate(ask("hi"), {}, generate_stop.get_token()); });
  generate_stop.request_stop();
  ASSERT_EQ(waiting.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(waiting.get().finish_reason, FinishReason::cancelled);

  stop.request_stop();
  ASSERT_EQ(preparing.wait_for(kHangGuard), std::future_status::ready);
  EXPECT_EQ(preparing.get().phase, LoadState::Phase::pending);
  EXPECT_EQ(model->state().phase, LoadState::Phase::pending);
}

}  // namespace
}  // namespace switchboard::mock_test
