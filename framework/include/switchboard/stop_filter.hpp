#pragma once
// For provider authors: holds back streamed text that could be the start of a stop string, so that a stop string
// never reaches the caller, not even when it arrives split over several tokens.

#include <string>
#include <string_view>
#include <vector>

namespace switchboard {

class StopFilter {
 public:
  explicit StopFilter(const std::vector<std::string>& stop_strings);  // empty strings are ignored

  bool active() const noexcept { return !stops_.empty(); }

  // Takes the next piece of text and appends to `out` what can be shown now. Returns true when
  // a stop string is complete: `out` then ends just before it and the rest is dropped.
  bool push(std::string_view text, std::string& out);

  // Appends the text still held back: the reply ended without completing a stop string.
  void flush(std::string& out);

 private:
  std::vector<std::string> stops_;
  std::string held_;
};

}  // namespace switchboard
