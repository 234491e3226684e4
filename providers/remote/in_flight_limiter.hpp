#pragma once
// At most N requests of one provider on the wire; the rest wait in arrival order. A waiting
// request gives up its place as soon as its stop token is triggered.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <stop_token>

namespace switchboard::remote {

class InFlightLimiter {
 public:
  explicit InFlightLimiter(int limit);

  // Waits for a slot. Returns false, holding nothing, when `stop` was triggered first.
  bool acquire(std::stop_token stop);
  void release();

  int in_flight() const;
  int waiting() const;

  // Holds a slot for its lifetime.
  class Slot {
   public:
    Slot(InFlightLimiter& limiter, std::stop_token stop) : limiter_(limiter), held_(limiter.acquire(std::move(stop))) {}
    ~Slot() {
      if (held_) limiter_.release();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool held() const { return held_; }

   private:
    InFlightLimiter& limiter_;
    bool held_;
  };

 private:
  const int limit_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  int in_flight_ = 0;
  std::uint64_t next_ticket_ = 0;
  std::deque<std::uint64_t> queue_;  // tickets of the waiting requests, oldest first
};

}  // namespace switchboard::remote
