#pragma once
// Turns ids into text one id at a time, for streaming generation. Each push returns only text
// that later ids cannot change: never half a UTF-8 character, never a byte-fallback run that may
// still grow. The concatenation of everything push and finish return equals
// tokenizer.decode(all ids), including SentencePiece's dropped leading space.
//
//   StreamingDetokenizer stream(tokenizer);
//   for (int32_t id : generated) sink(stream.push(id));
//   sink(stream.finish());

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer.hpp"

namespace switchboard::local {

class StreamingDetokenizer {
 public:
  // The tokenizer must outlive the detokenizer.
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens = false);

  // The new text that `id` settles; often empty while a character is incomplete.
  std::string push(int32_t id);
  // Whatever is still held back (an incomplete character comes out as U+FFFD, as decode does).
  // The detokenizer is then empty and ready for a new sequence.
  std::string finish();

 private:
  bool must_wait() const;
  bool kept_by_decode(int32_t id) const;
  std::string take_new_text(const std::string& window_text);

  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  // All ids since the start, for the rare decoder whose output is not a prefix-stable extension.
  std::vector<int32_t> all_ids_;
  size_t emitted_bytes_ = 0;
  // Decoding restarts from a recent id (`window_start_`) rather than from the beginning, so each
  // push costs the same however long the text is. `window_prefix_` is decode(window) up to the
  // text already returned.
  size_t window_start_ = 0;
  std::string window_prefix_;
};

}  // namespace switchboard::local
