#include "store/progress_meter.hpp"

#include <algorithm>

namespace switchboard::store {
namespace {

constexpr auto kReportEvery = std::chrono::milliseconds(100);
constexpr auto kRateWindow = std::chrono::seconds(3);

}  // namespace

void ProgressMeter::start(int files_total, std::int64_t bytes_total, std::int64_t already) {
  std::lock_guard lock(mutex_);
  progress_.files_total = files_total;
  progress_.bytes_total = bytes_total;
  progress_.bytes_done = already;
  samples_.clear();
  samples_.emplace_back(Clock::now(), transferred_);
  report_locked(true);
}

void ProgressMeter::add(std::int64_t bytes, const std::string& file) {
  std::lock_guard lock(mutex_);
  progress_.bytes_done += bytes;
  transferred_ += bytes;
  progress_.file = file;
  report_locked(false);
}

void ProgressMeter::take_back(std::int64_t bytes) {
  std::lock_guard lock(mutex_);
  progress_.bytes_done = std::max<std::int64_t>(0, progress_.bytes_done - bytes);
}

void ProgressMeter::file_done(const std::string& file) {
  std::lock_guard lock(mutex_);
  ++progress_.files_done;
  progress_.file = file;
  report_locked(true);
}

void ProgressMeter::finish() {
  std::lock_guard lock(mutex_);
  progress_.bytes_done = std::max(progress_.bytes_done, progress_.bytes_total);
  progress_.files_done = progress_.files_total;
  progress_.eta_s = 0;
  report_locked(true);
}

double ProgressMeter::rate_locked() const {
  if (samples_.size() < 2) return 0;
  const double seconds = std::chrono::duration<double>(samples_.back().first - samples_.front().first).count();
  if (seconds <= 0) return 0;
  return static_cast<double>(samples_.back().second - samples_.front().second) / seconds;
}

void ProgressMeter::report_locked(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_report_ < kReportEvery) return;
  last_report_ = now;
  samples_.emplace_back(now, transferred_);
  // Keep one sample older than the window, so a pause still reads as a slow rate, not none.
  while (samples_.size() > 2 && now - samples_[1].first > kRateWindow) samples_.pop_front();

  Progress& p = progress_;
  p.fraction = p.bytes_total > 0 ? std::clamp(static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total), 0.0, 1.0)
                                 : (p.files_total > 0 ? static_cast<double>(p.files_done) / p.files_total : 0.0);
  p.bytes_per_s = rate_locked();
  const std::int64_t left = std::max<std::int64_t>(0, p.bytes_total - p.bytes_done);
  p.eta_s = left == 0 ? 0 : (p.bytes_per_s > 0 ? static_cast<double>(left) / p.bytes_per_s : -1);
  if (callback_) callback_(p);
}

}  // namespace switchboard::store
