#include "engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local {
namespace {

std::size_t first_highest(std::span<const float> logits) { return cpu::active_kernels().first_highest(logits.data(), logits.size()); }

}  // namespace

Sampler::Sampler(const SamplingParams& params, std::span<const std::int32_t> prompt)
    : params_(params), random_(params.seed) {
  if (params_.repetition_penalty != 1.0)
    for (auto id : prompt) ++seen_[id];
}

void Sampler::apply_penalties(std::span<float> logits) const {
  if (params_.repetition_penalty != 1.0) {
    const auto penalty = static_cast<float>(params_.repetition_penalty);
    for (const auto& [id, count] : seen_) {
      if (id < 0 || static_cast<std::size_t>(id) >= logits.size()) continue;
      float& logit = logits[static_cast<std::size_t>(id)];
      logit = logit > 0 ? logit / penalty : logit * penalty;
    }
  }
  if (params_.presence_penalty != 0.0 || params_.frequency_penalty != 0.0) {
    for (const auto& [id, count] : generated_) {
      if (id < 0 || static_cast<std::size_t>(id) >= logits.size()) continue;
      logits[static_cast<std::size_t>(id)] -=
          static_cast<float>(params_.presence_penalty + params_.frequency_penalty * count);
    }
  }
}

std::int32_t Sampler::sample(std::span<float> logits) {
  apply_penalties(logits);
  std::int32_t chosen;
  if (params_.temperature <= 0.0) chosen = static_cast<std::int32_t>(first_highest(logits));
  else chosen = draw(logits);
  if (params_.repetition_penalty != 1.0) ++seen_[chosen];
  ++generated_[chosen];
  return chosen;
}

// Softmax weights at the temperature, cut by top-k, min-p and top-p in that order, then a draw
// among what is left. Only what top-k and top-p look at is sorted, the best first: sorting the
// whole vocabulary took 13 ms a token at 152k entries, as long as the 0.5B model's forward pass.
// The exponentials go through the CPU kernels' vector exp, to about a float's rounding. Not
// inlined into sample(): there it slowed greedy's search by a third (bench_sampler).
__attribute__((noinline)) std::int32_t Sampler::draw(std::span<const float> logits) {
  const std::size_t n = logits.size();
  const auto inverse_temperature = static_cast<float>(1.0 / params_.temperature);
  const float highest = logits[first_highest(logits)] * inverse_temperature;
  const auto better = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  // The best weighs 1, so min-p's floor is min_p itself.
  const auto floor = static_cast<float>(params_.min_p);
  candidates_.clear();
  bool sorted = false;
  double total = 0;  // of every candidate's weight, where top-p measures its share
  if (params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < n) {
    // The best k logits through a heap of k, its worst on top; then their weights, best first.
    const auto k = static_cast<std::size_t>(params_.top_k);
    for (std::size_t i = 0; i < k; ++i) candidates_.emplace_back(logits[i], static_cast<std::int32_t>(i));
    std::make_heap(candidates_.begin(), candidates_.end(), better);
    for (std::size_t i = k; i < n; ++i) {
      if (!(logits[i] > candidates_.front().first)) continue;  // a tie keeps the lower id, already in; NaN never enters
      std::pop_heap(candidates_.begin(), candidates_.end(), better);
      candidates_.back() = {logits[i], static_cast<std::int32_t>(i)};
      std::push_heap(candidates_.begin(), candidates_.end(), better);
    }
    std::sort_heap(candidates_.begin(), candidates_.end(), better);
    for (auto& [weight, id] : candidates_) weight = std::exp(weight * inverse_temperature - highest);
    while (candidates_.size() > 1 && !(candidates_.back().first >= floor)) candidates_.pop_back();
    for (const auto& [weight, id] : candidates_) total += weight;
    sorted = true;
  } else {
    weights_.resize(n);
    for (std::size_t i = 0; i < n; ++i) weights_[i] = logits[i] * inverse_temperature - highest;
    cpu::active_kernels().exp(weights_.data(), static_cast<int>(n));
    if (params_.top_p >= 1.0) {
      const std::int32_t drawn = draw_in_place(floor);
      return drawn >= 0 ? drawn : static_cast<std::int32_t>(first_highest(logits));  // NaN logits: nothing has a weight
    }
    total = gather_heaviest(floor);
    if (candidates_.empty())  // NaN logits: nothing has a weight
      return static_cast<std::int32_t>(first_highest(logits));
  }

  if (params_.top_p < 1.0) {
    // The fewest of the best whose weights reach top_p of the total, sorted a longer prefix at a
    // time: a prefix already sorted keeps its order, so the count so far stays good.
    std::size_t needed = 0;
    double cumulative = 0;
    bool reached = false;
    for (std::size_t prefix = 64; !reached; prefix *= 8) {
      const std::size_t upto = std::min(prefix, candidates_.size());
      if (!sorted) std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(upto), candidates_.end(), better);
      while (needed < upto && !reached) {
        cumulative += candidates_[needed++].first / total;
        reached = cumulative >= params_.top_p;
      }
      if (upto == candidates_.size()) break;
    }
    candidates_.resize(needed);
    total = 0;
    for (const auto& [weight, id] : candidates_) total += weight;
  }

  std::uniform_real_distribution<double> uniform(0.0, total);
  double remaining = uniform(random_);
  for (const auto& [weight, id] : candidates_) {
    remaining -= weight;
    if (remaining <= 0) return id;
  }
  return candidates_.back().second;
}

// Top-p's candidates from weights_ without gathering the whole vocabulary: the weights summed by
// size class (two a power of two, the heavier first), then the tokens of every class down to the
// one where the sums reach top_p of the total, and of one class more for the sums' rounding. A
// class holds only tokens lighter than those above it, so these candidates, sorted, begin the
// vocabulary sorted. Returns the total weight of the whole vocabulary. Gathering and partly
// sorting all 152k cost top-p 2.6 ms a token on random logits (bench_sampler).
double Sampler::gather_heaviest(float floor) {
  constexpr int kClasses = 128, kWays = 4;  // four sums a class, so that adds rarely wait on each other
  const auto class_of = [](float weight) {
    std::uint32_t bits;
    std::memcpy(&bits, &weight, 4);
    const int octave = 127 - static_cast<int>(bits >> 23);  // 0 for the best, whose weight is 1
    return std::clamp(2 * octave + ((bits >> 22) & 1 ? 0 : 1), 0, kClasses - 1);
  };
  double sums[kWays][kClasses] = {};
  const std::size_t n = weights_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const float weight = weights_[i];
    if (weight > 0.0f && weight >= floor) sums[i % kWays][class_of(weight)] += weight;
  }
  double by_class[kClasses], total = 0;
  for (int c = 0; c < kClasses; ++c) {
    by_class[c] = sums[0][c] + sums[1][c] + sums[2][c] + sums[3][c];
    total += by_class[c];
  }
  int last = kClasses - 1;
  double cumulative = 0;
  for (int c = 0; c < kClasses; ++c) {
    cumulative += by_class[c];
    if (cumulative >= params_.top_p * total) {
      last = std::min(kClasses - 1, c + 1);
      break;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    const float weight = weights_[i];
    if (weight > 0.0f && weight >= floor && class_of(weight) <= last) candidates_.emplace_back(weight, static_cast<std::int32_t>(i));
  }
  return total;
}

// The draw without candidates, when nothing needs them sorted: weights under min-p's floor set
// to zero, summed a block at a time (in lanes, which the compiler keeps in vectors), and the
// draw found by walking the blocks' sums, then one block's weights. Gathering 152k candidates and
// walking them a weight at a time (each sum waiting on the last) cost temperature sampling
// 400 µs a token (bench_sampler). -1 when nothing has a weight.
std::int32_t Sampler::draw_in_place(float floor) {
  constexpr std::size_t kBlock = 1024, kLanes = 8;
  const std::size_t n = weights_.size();
  block_totals_.clear();
  double total = 0;
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t end = std::min(n, begin + kBlock);
    float lanes[kLanes] = {};
    std::size_t i = begin;
    for (; i + kLanes <= end; i += kLanes)
      for (std::size_t k = 0; k < kLanes; ++k) {
        float& weight = weights_[i + k];
        weight = weight > 0.0f && weight >= floor ? weight : 0.0f;  // NaN too
        lanes[k] += weight;
      }
    float block = 0;
    for (float lane : lanes) block += lane;
    for (; i < end; ++i) {
      float& weight = weights_[i];
      weight = weight > 0.0f && weight >= floor ? weight : 0.0f;
      block += weight;
    }
    block_totals_.push_back(block);
    total += block;
  }
  if (!(total > 0)) return -1;
  std::uniform_real_distribution<double> uniform(0.0, total);
  double remaining = uniform(random_);
  for (std::size_t b = 0; b < block_totals_.size(); ++b) {
    if (remaining > block_totals_[b]) {
      remaining -= block_totals_[b];
      continue;
    }
    for (std::size_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) {
      remaining -= weights_[i];
      if (weights_[i] > 0.0f && remaining <= 0) return static_cast<std::int32_t>(i);
    }
  }
  // Rounding left a sliver past the last weight: the last token with one.
  for (std::size_t i = n; i-- > 0;)
    if (weights_[i] > 0.0f) return static_cast<std::int32_t>(i);
  return -1;
}

}  // namespace switchboard::local
