// Picking a token from a vocabulary of Qwen2.5's size (151936 logits): greedy, and the sampling
// settings people use. Per token, beside a decode step of the 0.5B model (~15 ms on two cores).

#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "engine/sampler.hpp"

namespace {

using switchboard::local::Sampler;
using switchboard::local::SamplingParams;

void sample(benchmark::State& state, SamplingParams params) {
  std::mt19937 generator(1);
  std::normal_distribution<float> spread(0.0f, 3.0f);  // about a small model's logits
  std::vector<float> logits(151936);
  for (float& logit : logits) logit = spread(generator);
  std::vector<float> copy(logits.size());
  Sampler sampler(params, {});
  for (auto _ : state) {
    copy = logits;  // sample() changes them in place
    benchmark::DoNotOptimize(sampler.sample(copy));
  }
}

// What every case above pays besides sampling: refreshing the 600 KB of logits.
void copy_only(benchmark::State& state) {
  std::vector<float> logits(151936, 1.0f), copy(logits.size());
  for (auto _ : state) {
    copy = logits;
    benchmark::DoNotOptimize(copy.data());
  }
}

SamplingParams with(double temperature, int top_k, double top_p, double min_p) {
  SamplingParams params;
  params.temperature = temperature;
  params.top_k = top_k;
  params.top_p = top_p;
  params.min_p = min_p;
  return params;
}

BENCHMARK(copy_only)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(sample, greedy, with(0.0, 0, 1.0, 0.0))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(sample, temperature_0_8, with(0.8, 0, 1.0, 0.0))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(sample, top_p_0_95, with(0.8, 0, 0.95, 0.0))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(sample, top_k_40, with(0.8, 40, 1.0, 0.0))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(sample, min_p_0_05, with(0.8, 0, 1.0, 0.05))->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
