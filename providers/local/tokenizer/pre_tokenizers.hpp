#pragma once
// Pre-tokenizers: cut normalized text into the pieces the model tokenizes one by one
// (tokenizer.json "pre_tokenizer"). Supported: Split, ByteLevel, Metaspace, Digits, Punctuation,
// Whitespace, WhitespaceSplit, BertPreTokenizer, Sequence.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "json_field.hpp"

namespace switchboard::local {

struct Piece {
  std::string text;
  // Whether the piece begins at the very start of the input: Metaspace's prepend_scheme "first"
  // adds its ▁ only there.
  bool at_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` by their sub-pieces; empty pieces are dropped.
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// What happens to the matched delimiters when text is split (Hugging Face's SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// Splits `piece` at `matches` (sorted, non-overlapping byte ranges) and appends the non-empty parts.
void split_piece(const Piece& piece, const std::vector<std::pair<size_t, size_t>>& matches, SplitBehavior behavior,
                 bool invert, std::vector<Piece>& out);

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonField& spec);

}  // namespace switchboard::local
