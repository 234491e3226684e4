#include "progress_display.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "store_access.hpp"

namespace switchboard::cli {
namespace {

int terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 20) return size.ws_col;
  return 80;
}

void write_stderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

int percent(const Progress& progress) { return static_cast<int>(std::floor(progress.fraction * 100)); }

}  // namespace

std::string format_duration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds) || seconds > 99 * 3600) return "--:--";
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  }
  return text;
}

ProgressDisplay::ProgressDisplay(std::string label)
    : label_(std::move(label)), terminal_(::isatty(STDERR_FILENO) == 1) {}

ProgressDisplay::~ProgressDisplay() {
  if (drawn_) write_stderr("\n");
}

std::string ProgressDisplay::bar_line(const Progress& progress, int width) const {
  // label [#######-------]  42%  1.2 GiB/2.9 GiB  35.0 MiB/s  ETA 0:48
  const std::string figures = " " + std::string(percent(progress) < 10 ? "  " : percent(progress) < 100 ? " " : "") +
                              std::to_string(percent(progress)) + "%  " + human_bytes(progress.bytes_done) + "/" +
                              human_bytes(progress.bytes_total) + "  " + human_bytes(static_cast<std::int64_t>(progress.bytes_per_s)) +
                              "/s  ETA " + format_duration(progress.eta_s);
  std::string label = label_;
  const int room_for_label = width - static_cast<int>(figures.size()) - 14;  // a bar of 10 at least, and brackets
  if (room_for_label < 8) label.clear();
  else if (static_cast<int>(label.size()) > room_for_label) label = "…" + label.substr(label.size() - (room_for_label - 1));
  const int bar_width = std::max(10, std::min(40, width - static_cast<int>(figures.size()) - static_cast<int>(label.size()) - 4));
  const int filled = static_cast<int>(std::lround(progress.fraction * bar_width));
  std::string bar;
  for (int i = 0; i < bar_width; ++i) bar += i < filled ? "█" : "░";
  return label + (label.empty() ? "" : " ") + bar + figures;
}

void ProgressDisplay::show(const Progress& progress) {
  std::lock_guard lock(mutex_);
  if (!terminal_) {
    // A pipe gets a few whole lines, never a redraw.
    const int quarter = percent(progress) / 25;
    if (progress.bytes_total > 0 && quarter > quarters_reported_ && quarter < 4) {
      quarters_reported_ = quarter;
      write_stderr(label_ + ": " + std::to_string(quarter * 25) + "% of " + human_bytes(progress.bytes_total) + "\n");
    }
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const bool last = progress.files_done == progress.files_total;
  if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  write_stderr("\r\033[K" + bar_line(progress, terminal_width() - 1));
  drawn_ = true;
}

void ProgressDisplay::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) write_stderr("\n");
  drawn_ = false;
}

}  // namespace switchboard::cli
