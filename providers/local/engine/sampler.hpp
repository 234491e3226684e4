#pragma once
// Picks the next token from logits: penalties, temperature, top-k, min-p, top-p, then a draw
// from a seeded generator, so the same seed and the same logits give the same reply.

#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

namespace switchboard::local {

struct SamplingParams {
  double temperature = 1.0;  // 0 = greedy
  int top_k = 0;             // 0 = off
  double top_p = 1.0;        // 1 = off
  double min_p = 0.0;        // 0 = off
  double repetition_penalty = 1.0;  // Hugging Face style, over prompt and reply
  double presence_penalty = 0.0;    // OpenAI style, over the reply
  double frequency_penalty = 0.0;   // OpenAI style, over the reply
  std::uint64_t seed = 0;
};

class Sampler {
 public:
  // `prompt` seeds the repetition penalty's history.
  Sampler(const SamplingParams& params, std::span<const std::int32_t> prompt);

  // Chooses a token and records it in the history. `logits` is modified in place.
  std::int32_t sample(std::span<float> logits);

 private:
  void apply_penalties(std::span<float> logits) const;
  std::int32_t draw(std::span<const float> logits);  // temperature > 0
  std::int32_t draw_in_place(float floor);            // from weights_, with no top-k or top-p
  double gather_heaviest(float floor);                // top-p's candidates from weights_

  SamplingParams params_;
  std::mt19937_64 random_;
  std::unordered_map<std::int32_t, int> seen_;       // prompt and reply, for repetition_penalty
  std::unordered_map<std::int32_t, int> generated_;  // reply only, for presence/frequency
  std::vector<float> weights_;                              // softmax weights, by token
  std::vector<float> block_totals_;                         // draw_in_place's sums of weights_, a block at a time
  std::vector<std::pair<float, std::int32_t>> candidates_;  // (weight, token) still in the draw
};

}  // namespace switchboard::local
