#pragma once
// Added tokens (tokenizer.json "added_tokens"): strings that are cut out of the input before the
// normalizer and model see it, and map straight to their id. Their flags follow Hugging Face:
// lstrip/rstrip swallow neighbouring whitespace, single_word refuses matches inside a word,
// normalized ones are matched in normalized text, special ones can be skipped when decoding.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_field.hpp"

namespace switchboard::local {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool single_word = false;
};

AddedToken parse_added_token(const JsonField& entry);

// A part of some text: either an added token or a run of ordinary text.
struct TextSegment {
  size_t begin, end;  // byte range in the text that was split
  std::optional<int32_t> token;
};

// Finds added tokens in text: leftmost match first, the longest one where several start there.
class AddedTokenMatcher {
 public:
  // `patterns` are the strings to look for, one per token (the content, or the normalized content).
  AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns);

  std::vector<TextSegment> split(std::string_view text) const;

 private:
  std::optional<size_t> longest_match_at(std::string_view text, size_t position) const;

  std::vector<AddedToken> tokens_;
  std::vector<std::string> patterns_;
  // Which patterns begin with each byte, longest first: most bytes begin no pattern at all.
  std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace switchboard::local
