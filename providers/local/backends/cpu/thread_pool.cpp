#include "backends/cpu/thread_pool.hpp"

#include <algorithm>

#include <immintrin.h>

namespace switchboard::local::cpu {
namespace {

// A few hundred µs of spinning (a pause is ~100 cycles on recent cores): long enough to span the gap between the loops of one decode step,
// short enough that an idle model costs no CPU.
constexpr int kSpinsBeforeSleep = 4000;

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < std::max(1, threads); ++i) workers_.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& worker : workers_) worker.join();
}

// Pieces shrink as the loop runs out (a share of what is left, down to the grain): large pieces
// first, so threads take few, and small ones last, so they finish together. With equal pieces
// a thread sat idle for half a piece at the end of each loop on average, while the other streamed
// its last piece alone.
void ThreadPool::run_pieces() {
  const std::int64_t shares = 2 * static_cast<std::int64_t>(size());
  std::int64_t first = next_.load(std::memory_order_relaxed);
  for (;;) {
    std::int64_t piece;
    do {
      if (first >= count_) return;
      piece = std::max(grain_, (count_ - first) / shares);
    } while (!next_.compare_exchange_weak(first, first + piece, std::memory_order_relaxed));
    (*body_)(first, std::min(count_, first + piece));
    first = next_.load(std::memory_order_relaxed);
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
  grain_ = grain;
  count_ = count;
  body_ = &body;
  next_.store(0);
  busy_.store(static_cast<int>(workers_.size()));
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  run_pieces();
  // A worker the system has not scheduled yet must still check in; spinning on would only keep
  // it from running, so after a while the wait gives the core away.
  for (int spin = 0; busy_.load(std::memory_order_acquire) > 0; ++spin) {
    if (spin < kSpinsBeforeSleep) _mm_pause();
    else std::this_thread::yield();
  }
}

void ThreadPool::work(int) {
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
    run_pieces();
    busy_.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace switchboard::local::cpu
