// The BPE model and added tokens on tiny hand-written tokenizers, where every expected id can be
// worked out by hand from Hugging Face's documented rules.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tokenizer.hpp"

namespace switchboard::local {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

json bpe_tokenizer(json model_overrides, json added_tokens = json::array()) {
  json model = {{"type", "BPE"},
                {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"<unk>", 6}, {"<0x78>", 7}}},
                {"merges", {"b c", "a b", "ab c"}}};
  if (model_overrides.is_object()) model.update(model_overrides);
  return {{"model", model}, {"added_tokens", added_tokens}};
}

TEST(BpeModel, MergesLowestRankFirst) {
  const auto tokenizer = Tokenizer::from_json(bpe_tokenizer({}), nullptr);
  // "b c" has rank 0, so "abc" becomes a + bc; no merge "a bc" exists.
  EXPECT_EQ(tokenizer.encode("abc", false), (Ids{0, 4}));
  EXPECT_EQ(tokenizer.encode("ab", false), (Ids{3}));
}

TEST(BpeModel, LeftmostPairWinsAmongEqualRanks) {
  json spec = bpe_tokenizer({{"vocab", {{"a", 0}, {"aa", 1}}}, {"merges", {"a a"}}});
  const auto tokenizer = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(tokenizer.encode("aaa", false), (Ids{1, 0}));
}

TEST(BpeModel, MergesGivenAsPairsWork) {
  json spec = bpe_tokenizer({{"merges", json::array({json::array({"a", "b"}), json::array({"ab", "c"})})}});
  const auto tokenizer = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(tokenizer.encode("abc", false), (Ids{5}));
}

TEST(BpeModel, IgnoreMergesTakesWholeWordsFromTheVocabulary) {
  const auto plain = Tokenizer::from_json(bpe_tokenizer({}), nullptr);
  const auto whole = Tokenizer::from_json(bpe_tokenizer({{"ignore_merges", true}}), nullptr);
  EXPECT_EQ(plain.encode("abc", false), (Ids{0, 4}));
  EXPECT_EQ(whole.encode("abc", false), (Ids{5}));
}

TEST(BpeModel, UnknownCharactersUseByteFallbackThenUnk) {
  const auto fallback = Tokenizer::from_json(bpe_tokenizer({{"byte_fallback", true}, {"unk_token", "<unk>"}}), nullptr);
  EXPECT_EQ(fallback.encode("axa", false), (Ids{0, 7, 0}));  // 'x' is byte 0x78
  EXPECT_EQ(fallback.encode("ayza", false), (Ids{0, 6, 6, 0}));  // no <0x79>: unk each

  const auto fused = Tokenizer::from_json(bpe_tokenizer({{"unk_token", "<unk>"}, {"fuse_unk", true}}), nullptr);
  EXPECT_EQ(fused.encode("ayza", false), (Ids{0, 6, 0}));

  const auto neither = Tokenizer::from_json(bpe_tokenizer({}), nullptr);
  EXPECT_EQ(neither.encode("ayza", false), (Ids{0, 0}));  // Hugging Face drops them silently
}

TEST(AddedTokens, StripFlagsSwallowWhitespace) {
  const json added = {{{"id", 10}, {"content", "<L>"}, {"lstrip", true}, {"special", true}},
                      {{"id", 11}, {"content", "<R>"}, {"rstrip", true}, {"special", true}},
                      {{"id", 12}, {"content", "<P>"}, {"special", true}}};
  json spec = bpe_tokenizer({{"vocab", {{"a", 0}, {" ", 1}}}, {"merges", json::array()}}, added);
  const auto tokenizer = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(tokenizer.encode("a <L> a", false), (Ids{0, 10, 1, 0}));
  EXPECT_EQ(tokenizer.encode("a <R> a", false), (Ids{0, 1, 11, 0}));
  EXPECT_EQ(tokenizer.encode("a <P> a", false), (Ids{0, 1, 12, 1, 0}));
  EXPECT_EQ(tokenizer.decode(Ids{0, 12, 0}, true), "a a");  // no decoder: tokens joined by spaces
  EXPECT_EQ(tokenizer.decode(Ids{0, 12, 0}, false), "a <P> a");
}

TEST(AddedTokens, SingleWordTokensDoNotMatchInsideWords) {
  const json added = {{{"id", 10}, {"content", "ab"}, {"single_word", true}, {"normalized", false}}};
  json spec = bpe_tokenizer({{"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {" ", 3}}}, {"merges", json::array()}}, added);
  const auto tokenizer = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(tokenizer.encode("ab c", false), (Ids{10, 3, 2}));
  EXPECT_EQ(tokenizer.encode("cab", false), (Ids{2, 0, 1}));
  EXPECT_FALSE(tokenizer.is_special(10));
}

TEST(AddedTokens, NormalizedTokensMatchNormalizedText) {
  const json added = {{{"id", 10}, {"content", "hi"}, {"normalized", true}}};
  json spec = bpe_tokenizer({{"vocab", {{"h", 0}, {"i", 1}, {"x", 2}}}, {"merges", json::array()}}, added);
  spec["normalizer"] = {{"type", "Lowercase"}};
  const auto tokenizer = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(tokenizer.encode("xHIx", false), (Ids{2, 10, 2}));
}

TEST(PostProcessors, RobertaAndTemplateWrapOnlyWithSpecialTokens) {
  json spec = bpe_tokenizer({});
  spec["post_processor"] = {{"type", "RobertaProcessing"}, {"cls", {"<s>", 8}}, {"sep", {"</s>", 9}}};
  const auto roberta = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(roberta.encode("ab", true), (Ids{8, 3, 9}));
  EXPECT_EQ(roberta.encode("ab", false), (Ids{3}));

  spec["post_processor"] = {{"type", "TemplateProcessing"},
                            {"single", {{{"SpecialToken", {{"id", "<s>"}}}}, {{"Sequence", {{"id", "A"}}}}, {{"SpecialToken", {{"id", "</s>"}}}}}},
                            {"special_tokens", {{"<s>", {{"ids", {8}}}}, {"</s>", {{"ids", {9}}}}}}};
  const auto templated = Tokenizer::from_json(spec, nullptr);
  EXPECT_EQ(templated.encode("ab", true), (Ids{8, 3, 9}));
}

TEST(TokenizerApi, LookupsAndSizes) {
  const json added = {{{"id", 20}, {"content", "<eos>"}, {"special", true}}};
  const auto tokenizer = Tokenizer::from_json(bpe_tokenizer({}, added), nullptr);
  EXPECT_EQ(tokenizer.vocab_size(), 21u);
  EXPECT_EQ(tokenizer.token_to_id("<eos>"), 20);
  EXPECT_EQ(tokenizer.token_to_id("ab"), 3);
  EXPECT_EQ(tokenizer.token_to_id("zz"), std::nullopt);
  EXPECT_EQ(tokenizer.id_to_token(5), "abc");
  EXPECT_EQ(tokenizer.id_to_token(15), std::nullopt);
  EXPECT_EQ(tokenizer.id_to_token(-1), std::nullopt);
  EXPECT_TRUE(tokenizer.is_special(20));
  EXPECT_EQ(tokenizer.decode(Ids{0, 99999, -5, 1}, false), "a b");  // unknown ids are skipped
}

TEST(TokenizerApi, ConfigNamesSpecialTokens) {
  const json added = {{{"id", 20}, {"content", "<eos>"}, {"special", true}}};
  const json config = {{"bos_token", nullptr}, {"eos_token", {{"content", "<eos>"}}}, {"add_bos_token", false}};
  const auto tokenizer = Tokenizer::from_json(bpe_tokenizer({{"unk_token", "<unk>"}}, added), &config);
  EXPECT_EQ(tokenizer.eos_id(), 20);
  EXPECT_EQ(tokenizer.bos_id(), std::nullopt);
  EXPECT_EQ(tokenizer.special_tokens().unk, 6);
  EXPECT_EQ(tokenizer.special_tokens().add_bos, false);
  EXPECT_EQ(tokenizer.special_tokens().add_eos, std::nullopt);
}

}  // namespace
}  // namespace switchboard::local
