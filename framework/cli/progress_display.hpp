#pragma once
// Shows a pull's Progress on stderr: on a terminal, one line redrawn in place with a bar, the
// bytes, the rate and the time left; in a pipe or a file, a line at each quarter and no
// control characters.

#include <chrono>
#include <mutex>
#include <string>

#include <switchboard/model_store.hpp>

namespace switchboard::cli {

class ProgressDisplay {
 public:
  explicit ProgressDisplay(std::string label);  // what is pulled, "hf:org/repo"
  ~ProgressDisplay();                            // ends a drawn line

  void show(const Progress& progress);
  void finish();  // leaves the last state on screen and moves to the next line

 private:
  std::string bar_line(const Progress& progress, int width) const;

  std::string label_;
  bool terminal_;
  std::mutex mutex_;
  bool drawn_ = false;
  int quarters_reported_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "1:05", "2:03:09"; "--:--" for unknown.
std::string format_duration(double seconds);

}  // namespace switchboard::cli
