#include "switchboard/stop_filter.hpp"

#include <algorithm>

namespace switchboard {

StopFilter::StopFilter(const std::vector<std::string>& stop_strings) {
  for (const auto& stop : stop_strings)
    if (!stop.empty()) stops_.push_back(stop);
}

bool StopFilter::push(std::string_view text, std::string& out) {
  held_.append(text);

  // Everything before the held text was shown because no stop string could start there, so
  // the earliest match, if any, lies inside held_.
  std::size_t first_match = std::string::npos;
  for (const auto& stop : stops_) first_match = std::min(first_match, held_.find(stop));
  if (first_match != std::string::npos) {
    out.append(held_, 0, first_match);
    held_.clear();
    return true;
  }

  // Keep the longest tail of held_ that some stop string starts with; show the rest.
  std::size_t keep = 0;
  for (const auto& stop : stops_) {
    for (std::size_t length = std::min(stop.size() - 1, held_.size()); length > keep; --length) {
      if (std::string_view(held_).ends_with(std::string_view(stop).substr(0, length))) {
        keep = length;
        break;
      }
    }
  }
  out.append(held_, 0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return false;
}

void StopFilter::flush(std::string& out) {
  out.append(held_);
  held_.clear();
}

}  // namespace switchboard
