#include "interrupts.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <string>

#include <switchboard/error.hpp>

namespace switchboard::cli {

namespace {
sigset_t interrupt_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  return set;
}
}  // namespace

InterruptWatcher::InterruptWatcher(std::function<void()> on_idle) : on_idle_(std::move(on_idle)) {
  sigset_t set = interrupt_set();
  if (int failed = pthread_sigmask(SIG_BLOCK, &set, nullptr); failed != 0) {
    throw Error(ErrorCategory::internal, std::string("cannot block SIGINT: ") + std::strerror(failed));
  }
  thread_ = std::thread([this] { wait_for_signals(); });
}

InterruptWatcher::~InterruptWatcher() {
  {
    std::lock_guard lock(mutex_);
    quitting_ = true;
  }
  // Wakes the sigwait() below; the flag tells it that this SIGINT means "stop watching".
  pthread_kill(thread_.native_handle(), SIGINT);
  thread_.join();
}

void InterruptWatcher::wait_for_signals() {
  sigset_t set = interrupt_set();
  for (;;) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    std::function<void()> idle_action;
    {
      std::lock_guard lock(mutex_);
      if (quitting_) return;
      if (current_reply_) {
        current_reply_->request_stop();
        continue;
      }
      idle_action = on_idle_;
    }
    // Outside the lock: the action may print, or end the process.
    if (idle_action) idle_action();
  }
}

InterruptWatcher::Reply::Reply(InterruptWatcher& watcher) : watcher_(watcher) {
  std::lock_guard lock(watcher_.mutex_);
  watcher_.current_reply_ = source_;
}

InterruptWatcher::Reply::~Reply() {
  std::lock_guard lock(watcher_.mutex_);
  watcher_.current_reply_.reset();
}

}  // namespace switchboard::cli
