#pragma once
// Workers started once, for the life of the backend, that split a loop between them and the
// calling thread. A decode step runs a few hundred short loops, so handing work over must cost
// microseconds: idle workers spin briefly before they sleep.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace switchboard::local::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);  // threads in all, the caller included
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls body(first, last) over [0, count) in pieces of at least `grain` (the last may be
  // shorter), on every thread, and returns when all are done. Thread t (the caller is 0) starts
  // at count · t / size() and goes on front to back. One caller at a time.
  void parallel_for(std::int64_t count, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body);

 private:
  // The part of the loop a thread has yet to take: [first, end), packed into one word so that
  // its owner (taking from the front) and a thief (taking from the back) agree through one CAS.
  struct alignas(64) Stretch {
    std::atomic<std::uint64_t> bounds{0};
  };

  void work(int index);
  void run_stretches(int self);
  bool steal(int self);

  std::vector<std::thread> workers_;
  std::unique_ptr<Stretch[]> stretches_;  // one per thread, the caller's first
  const std::function<void(std::int64_t, std::int64_t)>* body_ = nullptr;
  std::int64_t grain_ = 0;
  std::atomic<std::uint64_t> generation_{0};  // bumped to hand out a loop, or to stop
  std::atomic<int> busy_{0};                  // workers still inside the current loop
  std::atomic<bool> stopping_{false};
};

}  // namespace switchboard::local::cpu
