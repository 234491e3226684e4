#pragma once
// A compiled `pattern:` of the mock's replies: a PCRE2 regular expression searched in text.
// PCRE2 rather than std::regex because libstdc++'s matcher recurses once per character and
// overflows the stack on long inputs; PCRE2 matches on the heap, within limits.

#include <memory>
#include <string>
#include <string_view>

namespace switchboard::mock {

class Pattern {
 public:
  // Throws std::invalid_argument with PCRE2's message and offset when `source` does not compile.
  explicit Pattern(const std::string& source);

  const std::string& source() const noexcept { return source_; }

  // Whether the pattern occurs anywhere in `text`. Safe to call from several threads at once.
  // An input on which the match runs past PCRE2's limits does not match.
  bool found_in(std::string_view text) const;

 private:
  struct Compiled;
  std::string source_;
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace switchboard::mock
