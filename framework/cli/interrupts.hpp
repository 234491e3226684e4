#pragma once
// Ctrl-C that cancels the reply in progress instead of killing the program.
//
// SIGINT is blocked in every thread and taken by one thread that waits for it with sigwait().
// That thread runs ordinary code (not a signal handler), so it may lock a mutex and call
// std::stop_source::request_stop() on the reply that is running.

#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

namespace switchboard::cli {

class InterruptWatcher {
 public:
  // `on_idle` runs on the watcher's thread when Ctrl-C comes while no reply is running.
  // Construct the watcher before starting any other thread: threads inherit the blocked
  // signal mask only from the thread that creates them.
  explicit InterruptWatcher(std::function<void()> on_idle);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

  // While a Reply is alive, Ctrl-C requests a stop on its token.
  class Reply {
   public:
    explicit Reply(InterruptWatcher& watcher);
    ~Reply();
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;

    std::stop_token token() const { return source_.get_token(); }
    bool interrupted() const { return source_.stop_requested(); }

   private:
    InterruptWatcher& watcher_;
    std::stop_source source_;
  };

 private:
  void wait_for_signals();

  std::function<void()> on_idle_;
  std::mutex mutex_;
  std::optional<std::stop_source> current_reply_;  // guarded by mutex_
  bool quitting_ = false;                           // guarded by mutex_
  std::thread thread_;
};

}  // namespace switchboard::cli
