#include "engine/sampler.hpp"

#include <algorithm>
#include <cmath>

namespace switchboard::local {

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
  if (params_.temperature <= 0.0) {
    chosen = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  } else {
    candidates_.clear();
    candidates_.reserve(logits.size());
    const auto inverse_temperature = static_cast<float>(1.0 / params_.temperature);
    for (std::size_t i = 0; i < logits.size(); ++i)
      candidates_.emplace_back(logits[i] * inverse_temperature, static_cast<std::int32_t>(i));
    auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first; };
    std::size_t keep = candidates_.size();
    if (params_.top_k > 0 && static_cast<std::size_t>(params_.top_k) < keep) {
      keep = static_cast<std::size_t>(params_.top_k);
      std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep), candidates_.end(), by_logit);
    } else {
      std::sort(candidates_.begin(), candidates_.end(), by_logit);
    }
    candidates_.resize(keep);
    // Softmax over what is left (largest first, so the first weight is 1 before normalising).
    const float highest = candidates_.front().first;
    double total = 0;
    for (auto& [weight, id] : candidates_) {
      weight = std::exp(weight - highest);
      total += weight;
    }
    if (params_.min_p > 0.0) {
      const double floor = params_.min_p * (candidates_.front().first / total);
      while (candidates_.size() > 1 && candidates_.back().first / total < floor) {
        total -= candidates_.back().first;
        candidates_.pop_back();
      }
    }
    if (params_.top_p < 1.0) {
      double cumulative = 0;
      std::size_t needed = 0;
      while (needed < candidates_.size()) {
        cumulative += candidates_[needed++].first / total;
        if (cumulative >= params_.top_p) break;
      }
      double kept = 0;
      for (std::size_t i = 0; i < needed; ++i) kept += candidates_[i].first;
      candidates_.resize(needed);
      total = kept;
    }
    std::uniform_real_distribution<double> uniform(0.0, total);
    double draw = uniform(random_);
    chosen = candidates_.back().second;
    for (const auto& [weight, id] : candidates_) {
      draw -= weight;
      if (draw <= 0) {
        chosen = id;
        break;
      }
    }
  }
  if (params_.repetition_penalty != 1.0) ++seen_[chosen];
  ++generated_[chosen];
  return chosen;
}

}  // namespace switchboard::local
