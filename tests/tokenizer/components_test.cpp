// The tokenizer's parts one at a time, on small hand-written specs whose Hugging Face behaviour
// is documented in the tokenizers library.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "decoders.hpp"
#include "normalizers.hpp"
#include "pre_tokenizers.hpp"

namespace switchboard::local {
namespace {

using nlohmann::json;

std::vector<std::string> pre_tokenize(const json& spec, const std::string& text, bool at_start = true) {
  const auto pre_tokenizer = make_pre_tokenizer(JsonField(spec, "test.json", "pre_tokenizer"));
  std::vector<Piece> pieces{{text, at_start}};
  pre_tokenizer->pre_tokenize(pieces);
  std::vector<std::string> out;
  for (const Piece& piece : pieces) out.push_back(piece.text);
  return out;
}

std::string normalize(const json& spec, const std::string& text) {
  return make_normalizer(JsonField(spec, "test.json", "normalizer"))->normalize(text);
}

std::string decode(const json& spec, std::vector<std::string> tokens) {
  make_decoder(JsonField(spec, "test.json", "decoder"))->decode_chain(tokens);
  std::string out;
  for (const auto& token : tokens) out += token;
  return out;
}

using Strings = std::vector<std::string>;

TEST(SplitPreTokenizer, EachDelimiterBehavior) {
  const auto split = [](const char* behavior, bool invert = false) {
    return pre_tokenize({{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}},
                        "a-b--c");
  };
  EXPECT_EQ(split("Removed"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(split("Isolated"), (Strings{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(split("MergedWithPrevious"), (Strings{"a-", "b-", "-", "c"}));
  EXPECT_EQ(split("MergedWithNext"), (Strings{"a", "-b", "-", "-c"}));
  EXPECT_EQ(split("Contiguous"), (Strings{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(split("Removed", true), (Strings{"-", "-", "-"}));
}

TEST(SplitPreTokenizer, RegexUsesUnicodeProperties) {
  const json spec = {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+|\\p{N}"}}}, {"behavior", "Isolated"}};
  EXPECT_EQ(pre_tokenize(spec, "d\xC3\xA9j\xC3\xA0 42"), (Strings{"d\xC3\xA9j\xC3\xA0", " ", "4", "2"}));
}

TEST(ByteLevelPreTokenizer, MapsBytesAndOptionallySplitsLikeGpt2) {
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}, "a b\n"),
            (Strings{"a\xC4\xA0" "b\xC4\x8A"}));  // space → Ġ, newline → Ċ
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}, "Hi you're"),
            (Strings{"\xC4\xA0Hi", "\xC4\xA0you", "'re"}));
}

TEST(MetaspacePreTokenizer, PrependSchemes) {
  const auto metaspace = [](const char* scheme, bool split, bool at_start) {
    return pre_tokenize({{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", scheme}, {"split", split}},
                        "hi there", at_start);
  };
  EXPECT_EQ(metaspace("always", false, false), (Strings{"\xE2\x96\x81hi\xE2\x96\x81there"}));
  EXPECT_EQ(metaspace("first", false, true), (Strings{"\xE2\x96\x81hi\xE2\x96\x81there"}));
  EXPECT_EQ(metaspace("first", false, false), (Strings{"hi\xE2\x96\x81there"}));
  EXPECT_EQ(metaspace("never", true, true), (Strings{"hi", "\xE2\x96\x81there"}));
}

TEST(DigitsAndPunctuationPreTokenizers, SplitAsDocumented) {
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "a123b"), (Strings{"a", "1", "2", "3", "b"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "a123b"), (Strings{"a", "123", "b"}));
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}}, "hi!?$x"), (Strings{"hi", "!", "?", "$", "x"}));
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "Hey  man!! ok"), (Strings{"Hey", "man", "!!", "ok"}));
  EXPECT_EQ(pre_tokenize({{"type", "WhitespaceSplit"}}, " a\u3000b "), (Strings{"a", "b"}));
}

TEST(SequencePreTokenizer, AppliesStepsInOrder) {
  const json spec = {{"type", "Sequence"},
                     {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(pre_tokenize(spec, "x12 y"), (Strings{"x", "1", "2", "y"}));
}

TEST(Normalizers, EachType) {
  EXPECT_EQ(normalize({{"type", "NFC"}}, "e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(normalize({{"type", "NFD"}}, "\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\xEF\xAC\x81"), "fi");
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "ABC"), "abc");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, " \t x \n"), "x \n");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, "\xC2\xA0x\xE3\x80\x80"), "x");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}}, "a"), "\xE2\x96\x81" "a");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}}, ""), "");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "_"}}, "a b c"), "a_b_c");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}}, "a   b"), "a b");
  EXPECT_EQ(normalize({{"type", "Sequence"}, {"normalizers", {{{"type", "Lowercase"}}, {{"type", "Prepend"}, {"prepend", "_"}}}}},
                      "AB"),
            "_ab");
}

TEST(Decoders, ByteFallbackJoinsRunsAndReplacesInvalidBytesOneByOne) {
  const json spec = {{"type", "ByteFallback"}};
  EXPECT_EQ(decode(spec, {"a", "<0xE2>", "<0x82>", "<0xAC>", "b"}), "a\xE2\x82\xAC" "b");
  // An invalid run gives one U+FFFD per byte (not per maximal subpart).
  EXPECT_EQ(decode(spec, {"<0xE2>", "<0x82>", "x"}), "\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(decode(spec, {"<0x4G>"}), "<0x4G>");
}

TEST(Decoders, ByteLevelRestoresBytesAndKeepsForeignTokens) {
  EXPECT_EQ(decode({{"type", "ByteLevel"}}, {"\xC4\xA0hello", "\xC4\x8A"}), " hello\n");
  // A token with a character outside the byte table passes through as its own UTF-8.
  EXPECT_EQ(decode({{"type", "ByteLevel"}}, {"<|x|>", "\xE2\x96\x81"}), "<|x|>\xE2\x96\x81");
}

TEST(Decoders, MetaspaceDropsMarkersOfTheFirstToken) {
  const json spec = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}};
  EXPECT_EQ(decode(spec, {"\xE2\x96\x81Hi", "\xE2\x96\x81there"}), "Hi there");
  const json never = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "never"}};
  EXPECT_EQ(decode(never, {"\xE2\x96\x81Hi"}), " Hi");
}

TEST(Decoders, StripFuseReplaceSequence) {
  const json spec = {{"type", "Sequence"},
                     {"decoders",
                      {{{"type", "Replace"}, {"pattern", {{"String", "_"}}}, {"content", " "}},
                       {{"type", "Fuse"}},
                       {{"type", "Strip"}, {"content", " "}, {"start", 2}, {"stop", 1}}}}};
  EXPECT_EQ(decode(spec, {"___a", "_b_"}), " a b");
}

}  // namespace
}  // namespace switchboard::local
