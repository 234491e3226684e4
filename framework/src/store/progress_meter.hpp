#pragma once
// Adds up the bytes of parallel downloads into one Progress, with a recent rate and an ETA, and
// hands it to the callback at most ten times a second (and always when a file ends).

#include <chrono>
#include <deque>
#include <mutex>
#include <utility>

#include "switchboard/model_store.hpp"

namespace switchboard::store {

class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ProgressMeter(ProgressCallback callback) : callback_(std::move(callback)) {}

  // The work ahead, once the files' sizes are known. `already` counts bytes of resumed files.
  void start(int files_total, std::int64_t bytes_total, std::int64_t already);
  void add(std::int64_t bytes, const std::string& file);  // bytes that just arrived
  void take_back(std::int64_t bytes);  // a file restarts from zero: its counted bytes go again
  void file_done(const std::string& file);
  void finish();  // the last report: everything done

 private:
  void report_locked(bool force);
  double rate_locked() const;

  ProgressCallback callback_;
  std::mutex mutex_;
  Progress progress_;
  Clock::time_point last_report_{};
  // (time, bytes transferred so far) over the last few seconds, for the rate.
  std::deque<std::pair<Clock::time_point, std::int64_t>> samples_;
  std::int64_t transferred_ = 0;
};

}  // namespace switchboard::store
