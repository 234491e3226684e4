// Fuzzes encoding arbitrary bytes with real tokenizers, and decoding what comes out.
//
// Input: one byte of options (which tokenizer, add_special_tokens, skip_special_tokens), then
// the text. Checks the documented contract, not just the absence of crashes:
//  - text that is not valid UTF-8 is rejected with Error(invalid_request), valid text is encoded;
//  - the streaming detokenizer, fed the ids one at a time, says exactly what decode says;
//  - byte-level BPE without a normalizer (the llama fixture) gives back the exact text.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <switchboard/error.hpp>

#include "fuzz_support.hpp"
#include "streaming_detokenizer.hpp"
#include "tokenizer.hpp"

namespace {

using switchboard::local::Tokenizer;

// RFC 3629 UTF-8, written here independently of the tokenizer's own check: shortest forms only,
// no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    char32_t code_point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, code_point = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto continuation = static_cast<unsigned char>(text[i + k]);
      if ((continuation & 0xC0) != 0x80) return false;
      code_point = code_point << 6 | (continuation & 0x3F);
    }
    if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) return false;
    if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return false;
    i += length;
  }
  return true;
}

struct Subject {
  Tokenizer tokenizer;
  bool round_trips;  // decode(encode(text)) == text for every valid text
};

Subject load(const char* relative, bool round_trips) {
  return {Tokenizer::from_file(switchboard::fuzz::test_data(relative)), round_trips};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Subject subjects[] = {load("fixtures/models/llama/tokenizer.json", true),
                                     load("fixtures/models/mistral/tokenizer.json", false)};
  if (size == 0) return 0;
  const uint8_t options = data[0];
  const Subject& subject = subjects[options & 1];
  const bool add_special = options & 2;
  const bool skip_special = options & 4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<int32_t> ids;
  std::optional<switchboard::ErrorCategory> failure;
  try {
    ids = subject.tokenizer.encode(text, add_special);
  } catch (const switchboard::Error& error) {
    failure = error.category();
  }
  const bool valid = is_valid_utf8(text);
  fuzz_check(valid == !failure.has_value());
  if (failure) {
    fuzz_check(*failure == switchboard::ErrorCategory::invalid_request);
    return 0;
  }

  const std::string decoded = subject.tokenizer.decode(ids, skip_special);
  switchboard::local::StreamingDetokenizer stream(subject.tokenizer, skip_special);
  std::string streamed;
  for (const int32_t id : ids) streamed += stream.push(id);
  streamed += stream.finish();
  fuzz_check(streamed == decoded);

  if (subject.round_trips && !skip_special) {
    fuzz_check(subject.tokenizer.decode(subject.tokenizer.encode(text, false), false) == text);
  }
  return 0;
}
