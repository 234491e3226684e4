// Encoding speed of the byte-level BPE tokenizers (Llama 3.2, Qwen3) on tinyshakespeare, one
// thread. Each iteration encodes the whole 1.1 MB text; the piece cache is warm after the first.
//
//   cmake -S . -B build/bench -G Ninja && cmake --build build/bench --target bench_tokenizer_encode
//   build/bench/bin/bench_tokenizer_encode

#include <benchmark/benchmark.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "tokenizer.hpp"

namespace {

const std::string kCorpusPath = SWITCHBOARD_SOURCE_DIR "/../shared/data/tinyshakespeare.txt";

std::optional<std::string> read_corpus() {
  std::ifstream file(kCorpusPath, std::ios::binary);
  if (!file) return std::nullopt;
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

void encode_corpus(benchmark::State& state, const char* family) {
  static const std::optional<std::string> corpus = read_corpus();
  if (!corpus) {
    state.SkipWithError(("corpus not found: " + kCorpusPath).c_str());
    return;
  }
  const auto tokenizer = switchboard::local::Tokenizer::from_file(
      std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/fixtures/tokenizers/" + family + "/tokenizer.json");
  size_t tokens = 0;
  for (auto _ : state) {
    const auto ids = tokenizer.encode(*corpus, false);
    tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * corpus->size()));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(corpus->size()) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["tokens"] = static_cast<double>(tokens);
}

// A cold cache every iteration: what the first encode of new text costs.
void encode_corpus_cold(benchmark::State& state, const char* family) {
  static const std::optional<std::string> corpus = read_corpus();
  if (!corpus) {
    state.SkipWithError(("corpus not found: " + kCorpusPath).c_str());
    return;
  }
  const std::string path = std::string(SWITCHBOARD_SOURCE_DIR) + "/tests/fixtures/tokenizers/" + family + "/tokenizer.json";
  for (auto _ : state) {
    state.PauseTiming();
    auto tokenizer = switchboard::local::Tokenizer::from_file(path);
    state.ResumeTiming();
    benchmark::DoNotOptimize(tokenizer.encode(*corpus, false).data());
    state.PauseTiming();
    { auto discard = std::move(tokenizer); }
    state.ResumeTiming();
  }
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(corpus->size()) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(encode_corpus, llama_3_2, "llama-3.2")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(encode_corpus, qwen3, "qwen3")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(encode_corpus_cold, llama_3_2, "llama-3.2")->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(encode_corpus_cold, qwen3, "qwen3")->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
