#pragma once
// Workers started once, for the life of the backend, that split a loop between them and the
// calling thread. A decode step runs a few hundred short loops, so handing work over must cost
// microseconds: idle workers spin briefly before they sleep.

#include <atomic>
#include <cstdint>
#include <functional>
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
  // shorter), on every thread, and returns when all are done. One caller at a time.
  void parallel_for(std::int64_t count, std::int64_t grain, const std::function<void(std::int64_t, std::int64_t)>& body);

 private:
  void work(int index);
  void run_pieces();

  std::vector<std::thread> workers_;
  const std::function<void(std::int64_t, std::int64_t)>* body_ = nullptr;
  std::int64_t count_ = 0, grain_ = 0;
  std::atomic<std::int64_t> next_{0};
  std::atomic<std::uint64_t> generation_{0};  // bumped to hand out a loop, or to stop
  std::atomic<int> busy_{0};                  // workers still inside the current loop
  std::atomic<bool> stopping_{false};
};

}  // namespace switchboard::local::cpu
