#pragma once
// A compiled PCRE2 pattern in UTF + Unicode-property mode (\p{L}, \s and \w are Unicode-aware),
// JIT-compiled when the platform allows. Matching is const and safe from many threads.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::local {

class Regex {
 public:
  // Throws std::invalid_argument with PCRE2's message and the offset when the pattern is bad;
  // callers turn it into an Error that names the file and field.
  explicit Regex(std::string_view pattern);

  // Byte ranges [start, end) of the non-overlapping, non-empty matches in valid UTF-8 `text`,
  // left to right (empty matches are skipped: no tokenizer pattern relies on them).
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  bool matches_whole(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace switchboard::local
