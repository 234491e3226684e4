#include "in_flight_limiter.hpp"

#include <algorithm>

namespace switchboard::remote {

InFlightLimiter::InFlightLimiter(int limit) : limit_(std::max(1, limit)) {}

bool InFlightLimiter::acquire(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  const auto ticket = next_ticket_++;
  queue_.push_back(ticket);
  const bool admitted =
      changed_.wait(lock, stop, [&] { return in_flight_ < limit_ && queue_.front() == ticket; });
  queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
  if (admitted) ++in_flight_;
  // Either way the queue's head changed: the next in line may be able to go.
  changed_.notify_all();
  return admitted;
}

void InFlightLimiter::release() {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  changed_.notify_all();
}

int InFlightLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

int InFlightLimiter::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(queue_.size());
}

}  // namespace switchboard::remote
