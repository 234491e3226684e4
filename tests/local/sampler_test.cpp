#include <cmath>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "engine/sampler.hpp"

namespace {

using namespace switchboard::local;

std::map<int, int> draw(SamplingParams params, std::vector<float> logits, int times) {
  std::map<int, int> counts;
  Sampler sampler(params, {});
  for (int i = 0; i < times; ++i) {
    auto copy = logits;
    // A fresh sampler per draw would repeat the first draw; one sampler walks its generator.
    ++counts[sampler.sample(copy)];
  }
  return counts;
}

TEST(Sampler, ZeroTemperatureIsGreedy) {
  SamplingParams params;
  params.temperature = 0;
  const auto counts = draw(params, {0.1f, 3.0f, 2.9f}, 20);
  EXPECT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts.begin()->first, 1);
}

// Greedy picks the first of the highest logits wherever it lies in a vocabulary of Qwen2.5's
// size: in the first block the search scans, deep inside one, in the part block at the end, and
// behind an equal value in a later block. NaNs are never picked.
TEST(Sampler, GreedyFindsTheFirstHighestAnywhereInALargeVocabulary) {
  SamplingParams params;
  params.temperature = 0;
  std::vector<float> logits(151936);
  for (std::size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>((i * 7919) % 1000) / 100.0f;
  for (std::size_t at : {std::size_t{0}, std::size_t{17}, std::size_t{70001}, std::size_t{151935}}) {
    auto copy = logits;
    copy[at] = 50.0f;
    copy[at == 151935 ? 3 : 151935] = 50.0f;  // the same value, later (or earlier for the last)
    Sampler sampler(params, {});
    EXPECT_EQ(sampler.sample(copy), static_cast<std::int32_t>(at == 151935 ? 3 : at)) << "highest at " << at;
  }
  auto with_nan = logits;
  with_nan[5] = NAN;
  with_nan[9000] = 60.0f;
  Sampler sampler(params, {});
  EXPECT_EQ(sampler.sample(with_nan), 9000);
}

TEST(Sampler, TopKKeepsOnlyTheBestK) {
  SamplingParams params;
  params.top_k = 2;
  params.seed = 7;
  const auto counts = draw(params, {1.0f, 1.1f, 0.9f, 1.05f}, 400);
  EXPECT_EQ(counts.count(0), 0u);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_GT(counts.at(1), 0);
  EXPECT_GT(counts.at(3), 0);
}

TEST(Sampler, TopPKeepsTheSmallestSetAboveP) {
  SamplingParams params;
  params.top_p = 0.7;
  params.seed = 3;
  // Probabilities 0.5, 0.3, 0.2 (logits are their logs): the first two reach 0.7.
  const auto counts = draw(params, {std::log(0.5f), std::log(0.3f), std::log(0.2f)}, 600);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_NEAR(counts.at(0) / 600.0, 0.5 / 0.8, 0.07);
}

// 1000 equal tokens: the nucleus of 0.3 is 300 of them, the lowest ids first (ties go to the
// lower id), found past the first stretch the sampler sorts.
TEST(Sampler, TopPFindsANucleusLongerThanTheFirstSortedStretch) {
  SamplingParams params;
  params.top_p = 0.3;
  params.seed = 5;
  const auto counts = draw(params, std::vector<float>(1000, 0.0f), 3000);
  EXPECT_LE(counts.rbegin()->first, 300);
  EXPECT_GE(counts.size(), 250u);
}

// Weights falling by 1 % a token from the best, the tokens' order scrambled: the nucleus of 0.9
// is the 230 heaviest (0.99^229 ≈ 0.1, spanning several powers of two), and every draw lies in
// it, from its top to its bottom.
TEST(Sampler, TopPNucleusIsExactAcrossManyWeightsInALargeVocabulary) {
  constexpr int kTokens = 20000;
  std::vector<double> weights(kTokens);
  for (int rank = 0; rank < kTokens; ++rank) weights[rank] = std::pow(0.99, rank);
  double total = 0;
  for (double w : weights) total += w;
  int nucleus = 0;
  for (double cumulative = 0; cumulative < 0.9 * total; ++nucleus) cumulative += weights[nucleus];
  ASSERT_GT(nucleus, 200);
  ASSERT_LT(nucleus, 260);
  std::vector<float> logits(kTokens);
  const auto token_of = [](int rank) { return (rank * 7919) % kTokens; };  // 7919 is prime to 20000
  for (int rank = 0; rank < kTokens; ++rank) logits[token_of(rank)] = static_cast<float>(std::log(weights[rank]));
  std::map<int, int> rank_of;
  for (int rank = 0; rank < kTokens; ++rank) rank_of[token_of(rank)] = rank;
  SamplingParams params;
  params.top_p = 0.9;
  params.seed = 13;
  int deepest = 0;
  for (const auto& [token, count] : draw(params, logits, 4000)) {
    EXPECT_LT(rank_of.at(token), nucleus) << "token " << token << " outside the nucleus";
    deepest = std::max(deepest, rank_of.at(token));
  }
  EXPECT_GE(deepest, nucleus - 25) << "draws never reached the nucleus's lightest tokens";
}

TEST(Sampler, MinPDropsTokensFarBelowTheBest) {
  SamplingParams params;
  params.min_p = 0.5;
  params.seed = 11;
  // p = 0.6, 0.35, 0.05: min_p 0.5 keeps tokens with p >= 0.3.
  const auto counts = draw(params, {std::log(0.6f), std::log(0.35f), std::log(0.05f)}, 600);
  EXPECT_EQ(counts.count(2), 0u);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(Sampler, TemperatureSharpensAndFlattens) {
  SamplingParams cold;
  cold.temperature = 0.1;
  cold.seed = 5;
  SamplingParams hot = cold;
  hot.temperature = 5.0;
  const std::vector<float> logits{1.0f, 0.0f};
  EXPECT_GT(draw(cold, logits, 500)[0], 495);
  EXPECT_LT(draw(hot, logits, 500)[0], 350);
}

TEST(Sampler, RepetitionPenaltyFollowsHuggingFace) {
  SamplingParams params;
  params.temperature = 0;
  params.repetition_penalty = 2.0;
  const std::vector<std::int32_t> prompt{0};
  Sampler sampler(params, prompt);
  // Token 0 (logit 3, seen in the prompt) becomes 1.5 and loses to token 1 (2.0).
  std::vector<float> logits{3.0f, 2.0f};
  EXPECT_EQ(sampler.sample(logits), 1);
  // Negative logits are multiplied: seen tokens 0 and 1 drop to -3 and -2, below unseen token 2.
  std::vector<float> negative{-1.5f, -1.0f, -1.8f};
  EXPECT_EQ(sampler.sample(negative), 2);
}

TEST(Sampler, PresenceAndFrequencyPenaltiesCountTheReply) {
  SamplingParams params;
  params.temperature = 0;
  params.frequency_penalty = 1.0;
  Sampler sampler(params, {});
  std::vector<float> logits{2.5f, 1.0f};
  EXPECT_EQ(sampler.sample(logits), 0);  // 2.5 vs 1
  logits = {2.5f, 1.0f};
  EXPECT_EQ(sampler.sample(logits), 0);  // 1.5 vs 1
  logits = {2.5f, 1.0f};
  EXPECT_EQ(sampler.sample(logits), 1);  // 0.5 vs 1
}

TEST(Sampler, TheSameSeedGivesTheSameSequence) {
  SamplingParams params;
  params.seed = 99;
  const std::vector<float> logits{0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
  Sampler a(params, {}), b(params, {});
  for (int i = 0; i < 50; ++i) {
    auto x = logits, y = logits;
    EXPECT_EQ(a.sample(x), b.sample(y));
  }
}

}  // namespace
