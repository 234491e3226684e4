// Retry rules (which statuses, how long to wait) and the in-flight limiter's queue.

#include <thread>

#include <gtest/gtest.h>

#include "in_flight_limiter.hpp"
#include "retry_rules.hpp"

namespace switchboard::remote {
namespace {

using std::chrono::milliseconds;

TEST(RetryRules, RetryableStatuses) {
  for (long status : {408, 429, 500, 502, 503, 504, 529}) EXPECT_TRUE(is_retryable_status(status)) << status;
  for (long status : {200, 400, 401, 403, 404, 413, 422, 501}) EXPECT_FALSE(is_retryable_status(status)) << status;
}

TEST(RetryRules, RetryAfterInSecondsMillisecondsAndAsADate) {
  EXPECT_EQ(retry_after({{"retry-after", "7"}}), milliseconds(7000));
  EXPECT_EQ(retry_after({{"retry-after", "1.5"}}), milliseconds(1500));
  EXPECT_EQ(retry_after({{"retry-after-ms", "250"}, {"retry-after", "9"}}), milliseconds(250));
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(retry_after({{"retry-after", "Sun, 06 Nov 1994 08:50:07 GMT"}}, now), milliseconds(30'000));
  EXPECT_EQ(retry_after({{"retry-after", "Sun, 06 Nov 1994 08:00:00 GMT"}}, now), milliseconds(0));
}

TEST(RetryRules, UnreadableRetryAfterIsIgnored) {
  EXPECT_FALSE(retry_after({}).has_value());
  EXPECT_FALSE(retry_after({{"retry-after", "soon"}}).has_value());
  EXPECT_FALSE(retry_after({{"retry-after", "-3"}}).has_value());
  EXPECT_FALSE(retry_after({{"retry-after", "nan"}}).has_value());
  EXPECT_EQ(retry_after({{"retry-after", "1e300"}}), milliseconds(86'400'000));  // capped at a day
}

TEST(RetryRules, BackoffDoublesWithJitterAndIsCapped) {
  RetrySettings settings;
  settings.base_delay = milliseconds(100);
  settings.max_delay = milliseconds(1000);
  EXPECT_EQ(backoff_delay(settings, 0, 0.0), milliseconds(50));
  EXPECT_EQ(backoff_delay(settings, 0, 0.999999), milliseconds(99));
  EXPECT_EQ(backoff_delay(settings, 2, 0.0), milliseconds(200));
  EXPECT_EQ(backoff_delay(settings, 10, 0.0), milliseconds(500));
  EXPECT_LE(backoff_delay(settings, 1000, 0.999), milliseconds(1000));
}

TEST(InFlightLimiter, AdmitsUpToTheLimit) {
  InFlightLimiter limiter(2);
  EXPECT_TRUE(limiter.acquire({}));
  EXPECT_TRUE(limiter.acquire({}));
  EXPECT_EQ(limiter.in_flight(), 2);
  limiter.release();
  EXPECT_TRUE(limiter.acquire({}));
  limiter.release();
  limiter.release();
  EXPECT_EQ(limiter.in_flight(), 0);
}

TEST(InFlightLimiter, AWaitingRequestLeavesTheQueueWhenStopped) {
  InFlightLimiter limiter(1);
  ASSERT_TRUE(limiter.acquire({}));
  std::stop_source stop;
  bool admitted = true;
  std::thread waiter([&] { admitted = limiter.acquire(stop.get_token()); });
  while (limiter.waiting() == 0) std::this_thread::yield();  // the waiter is queued
  stop.request_stop();
  waiter.join();
  EXPECT_FALSE(admitted);
  EXPECT_EQ(limiter.waiting(), 0);
  EXPECT_EQ(limiter.in_flight(), 1);
  limiter.release();
}

TEST(InFlightLimiter, WaitersAreAdmittedInArrivalOrder) {
  InFlightLimiter limiter(1);
  ASSERT_TRUE(limiter.acquire({}));
  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      ASSERT_TRUE(limiter.acquire({}));
      {
        std::lock_guard lock(order_mutex);
        order.push_back(i);
      }
      limiter.release();
    });
    while (limiter.waiting() != i + 1) std::this_thread::yield();  // queued before the next starts
  }
  limiter.release();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace switchboard::remote
