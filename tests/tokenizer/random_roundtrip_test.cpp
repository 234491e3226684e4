// Properties on pseudo-random input (fixed seeds, so every run checks the same inputs):
// encode then decode gives the text back, and streaming deltas always add up to decode.

#include <gtest/gtest.h>

#include <random>

#include "fixture_support.hpp"
#include "streaming_detokenizer.hpp"
#include "unicode.hpp"

namespace switchboard::local::testing {
namespace {

// Awkward characters: ASCII punctuation and digits, whitespace of several kinds, accents (also
// decomposed), CJK, emoji with modifiers, right-to-left text, a literal ▁ and control characters.
std::string random_text(std::mt19937& random) {
  static const std::vector<std::string> alphabet = {
      "a", "b", "Z", "q", "0", "7", "42", " ", " ", "  ", "\t", "\n", "\r\n", ".", ",", "'s", "'LL", "!", "?", "-",
      "(", ")", "{", "}", "\"", "/", "#", "_", "\xC3\xA9", "e\xCC\x81", "\xC3\xB1", "\xC3\x9F", "\xE4\xB8\xAD",
      "\xE6\x96\x87", "\xE3\x81\x82", "\xED\x95\x9C", "\xF0\x9F\x98\x80", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
      "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85", "\xE0\xA4\xA8\xE0\xA4\xAE", "\xE2\x96\x81", "\xC2\xA0", "\xE2\x80\x89",
      "\x01", "\x7F", "\xEF\xBF\xBD", "hello", "world", "The", "tokenizer"};
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> length(1, 40);
  std::string text = "x";  // SentencePiece decoders drop one leading space: start with a letter
  for (int i = length(random); i > 0; --i) text += alphabet[pick(random)];
  return text;
}

TEST(RandomRoundTrip, DecodeOfEncodeGivesTheTextBack) {
  for (const std::string& family : kFamilies) {
    const Tokenizer& tokenizer = family_tokenizer(family);
    std::mt19937 random(1234);
    for (int i = 0; i < 300; ++i) {
      const std::string text = random_text(random);
      // Qwen3 normalizes to NFC, so that is what comes back. SentencePiece-style tokenizers spell
      // spaces as U+2581, so a literal U+2581 comes back as a space. Otherwise nothing is lost.
      std::string expected = family == "qwen3" ? unicode::normalize(text, unicode::NormalForm::nfc) : text;
      if (family == "mistral-7b-v0.3" || family == "phi-3-mini") {
        std::string spaced;
        for (size_t at = 0; at < expected.size();) {
          const bool marker = expected.compare(at, 3, "\xE2\x96\x81") == 0;
          spaced += marker ? ' ' : expected[at];
          at += marker ? 3 : 1;
        }
        expected = spaced;
      }
      const auto ids = tokenizer.encode(text, false);
      EXPECT_EQ(printable(tokenizer.decode(ids, false)), printable(expected)) << family << " input #" << i;
    }
  }
}

TEST(RandomStreaming, DeltasAddUpToDecodeForAnyIds) {
  for (const std::string& family : kFamilies) {
    const Tokenizer& tokenizer = family_tokenizer(family);
    std::mt19937 random(99);
    // Mostly low ids (byte tokens and specials live there in SentencePiece vocabularies), some
    // anywhere, some past the end.
    std::uniform_int_distribution<int32_t> low(0, 300), any(0, static_cast<int32_t>(tokenizer.vocab_size()) + 5);
    std::bernoulli_distribution choose_low(0.6);
    for (int sequence = 0; sequence < 200; ++sequence) {
      std::vector<int32_t> ids(1 + sequence % 30);
      for (int32_t& id : ids) id = choose_low(random) ? low(random) : any(random);
      for (const bool skip : {false, true}) {
        StreamingDetokenizer stream(tokenizer, skip);
        std::string streamed;
        for (const int32_t id : ids) {
          const std::string delta = stream.push(id);
          EXPECT_FALSE(unicode::first_invalid_utf8(delta).has_value()) << family << " sequence " << sequence;
          streamed += delta;
        }
        streamed += stream.finish();
        EXPECT_EQ(printable(streamed), printable(tokenizer.decode(ids, skip)))
            << family << " sequence " << sequence << (skip ? " skipping special tokens" : "");
      }
    }
  }
}

}  // namespace
}  // namespace switchboard::local::testing
