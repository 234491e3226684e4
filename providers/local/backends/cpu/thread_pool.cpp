#include "backends/cpu/thread_pool.hpp"

#include <algorithm>

#include <immintrin.h>

namespace switchboard::local::cpu {
namespace {

// A few hundred µs of spinning (a pause is ~100 cycles on recent cores): long enough to span the gap between the loops of one decode step,
// short enough that an idle model costs no CPU.
constexpr int kSpinsBeforeSleep = 4000;

std::uint64_t pack(std::uint64_t first, std::uint64_t end) { return first | end << 32; }
std::int64_t first_of(std::uint64_t bounds) { return static_cast<std::int64_t>(bounds & 0xFFFFFFFFu); }
std::int64_t end_of(std::uint64_t bounds) { return static_cast<std::int64_t>(bounds >> 32); }

}  // namespace

ThreadPool::ThreadPool(int threads) : stretches_(new Stretch[static_cast<std::size_t>(std::max(1, threads))]) {
  for (int i = 1; i < std::max(1, threads); ++i) workers_.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& worker : workers_) worker.join();
}

// Each thread streams a stretch of the loop of its own, front to back, in pieces that shrink as
// the stretch runs out (a quarter of what is left, down to the grain); one that has finished its
// own takes the back half of the fullest other's. Rows side by side stay one stream, whose
// prefetches run on into the next piece: when threads took turns at a shared counter, every piece
// started a fresh stream (and the hardware prefetcher anew), eight or so times a thread per loop.
void ThreadPool::run_stretches(int self) {
  std::atomic<std::uint64_t>& own = stretches_[self].bounds;
  do {
    std::uint64_t bounds = own.load(std::memory_order_relaxed);
    for (;;) {
      const std::int64_t first = first_of(bounds), end = end_of(bounds);
      if (first >= end) break;
      const std::int64_t piece = std::min(end - first, std::max(grain_, (end - first) / 4));
      if (!own.compare_exchange_weak(bounds, pack(first + piece, end), std::memory_order_relaxed)) continue;
      (*body_)(first, first + piece);
      bounds = own.load(std::memory_order_relaxed);
    }
  } while (steal(self));
}

// Moves the back half of the fullest other stretch into this thread's own, now empty; false when
// every stretch is empty.
bool ThreadPool::steal(int self) {
  for (;;) {
    int victim = -1;
    std::int64_t most = 0;
    std::uint64_t seen = 0;
    for (int t = 0; t < size(); ++t) {
      const std::uint64_t bounds = stretches_[t].bounds.load(std::memory_order_relaxed);
      if (t != self && end_of(bounds) - first_of(bounds) > most) {
        victim = t;
        most = end_of(bounds) - first_of(bounds);
        seen = bounds;
      }
    }
    if (victim < 0) return false;
    const std::int64_t taken = std::min(most, std::max(grain_, most / 2)), end = end_of(seen);
    if (stretches_[victim].bounds.compare_exchange_strong(seen, pack(first_of(seen), end - taken), std::memory_order_relaxed)) {
      // Only its owner fills an empty stretch, and no thief takes from one.
      stretches_[self].bounds.store(pack(end - taken, end), std::memory_order_relaxed);
      return true;
    }
  }
}

void ThreadPool::parallel_for(std::int64_t count, std::int64_t grain,
                              const std::function<void(std::int64_t, std::int64_t)>& body) {
  if (count <= 0) return;
  const std::int64_t threads = size();
  if (threads == 1 || count <= grain) {
    body(0, count);
    return;
  }
  // Stretches hold 32-bit bounds; a longer loop (none runs in this project) goes in parts.
  constexpr std::int64_t kLongest = std::int64_t{1} << 31;
  if (count > kLongest) {
    for (std::int64_t from = 0; from < count; from += kLongest)
      parallel_for(std::min(kLongest, count - from), grain, [&](std::int64_t first, std::int64_t last) { body(from + first, from + last); });
    return;
  }
  grain_ = std::max<std::int64_t>(1, grain);
  body_ = &body;
  for (std::int64_t t = 0; t < threads; ++t)
    stretches_[t].bounds.store(pack(static_cast<std::uint64_t>(count * t / threads), static_cast<std::uint64_t>(count * (t + 1) / threads)),
                               std::memory_order_relaxed);
  busy_.store(static_cast<int>(workers_.size()));
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_stretches(0);
  // A worker the system has not scheduled yet must still check in; spinning on would only keep
  // it from running, so after a while the wait gives the core away.
  for (int spin = 0; busy_.load(std::memory_order_acquire) > 0; ++spin) {
    if (spin < kSpinsBeforeSleep) _mm_pause();
    else std::this_thread::yield();
  }
}

void ThreadPool::work(int index) {
  std::uint64_t seen = 0;
  for (;;) {
    std::uint64_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen && spin < kSpinsBeforeSleep; ++spin) {
      _mm_pause();
      now = generation_.load(std::memory_order_acquire);
    }
    if (now == seen) {
      generation_.wait(seen);
      continue;
    }
    seen = now;
    if (stopping_.load()) return;
    run_stretches(index);
    busy_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace switchboard::local::cpu
