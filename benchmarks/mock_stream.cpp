// Streams 1,000,000 tokens from the mock provider with no delay, to measure what one token
// costs on its way from a provider to the host:
//   through_runtime   the whole public path: Runtime -> Model::generate -> ChunkSink
//   without_sink      the same call with no sink: the mock's own work per token
//   sink_baseline     no provider at all: filling a Chunk, appending to the reply text and
//                     calling a std::function ChunkSink, the least any provider pays
// Run: build/<dir>/bin/bench_mock_stream  (see benchmarks/RESULTS.md)

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <switchboard/switchboard.hpp>

namespace {

using namespace switchboard;

constexpr int kTokens = 1'000'000;

Runtime make_runtime() {
  const std::string yaml = "plugin_paths: [\"" SWITCHBOARD_BUILD_DIR "/lib/switchboard/plugins\"]\n"
                           "providers:\n"
                           "  bench: { plugin: mock }\n"
                           "models:\n"
                           "  ticker: { provider: bench, context: 2000000, options: { loop: true, default_reply: \"tick\" } }\n";
  return Runtime(Catalog::parse(yaml, "bench_mock_stream.yaml"));
}

Request million_token_request() {
  Request request;
  request.messages = {Message::user("go")};
  request.options.max_tokens = kTokens;
  return request;
}

// Reports tokens per second and nanoseconds per token over the whole run.
void report(benchmark::State& state, std::int64_t tokens, std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  state.counters["tokens_per_s"] = benchmark::Counter(static_cast<double>(tokens) / seconds);
  state.counters["ns_per_token"] = benchmark::Counter(static_cast<double>(elapsed.count()) / static_cast<double>(tokens));
}

void run_mock(benchmark::State& state, bool with_sink) {
  Runtime runtime = make_runtime();
  auto model = runtime.model("ticker");
  if (model->prepare().phase != LoadState::Phase::ready) return state.SkipWithError("the mock did not load");
  const Request request = million_token_request();
  std::int64_t bytes_seen = 0;
  const ChunkSink sink = [&bytes_seen](const Chunk& chunk) { bytes_seen += static_cast<std::int64_t>(chunk.text.size()); };

  std::int64_t tokens = 0;
  std::chrono::nanoseconds elapsed{0};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const Completion completion = model->generate(request, with_sink ? sink : ChunkSink{});
    elapsed += std::chrono::steady_clock::now() - start;
    if (completion.usage.completion_tokens != kTokens || completion.finish_reason != FinishReason::length)
      return state.SkipWithError("the mock did not stream the tokens asked for");
    tokens += completion.usage.completion_tokens;
    benchmark::DoNotOptimize(completion.text.data());
  }
  benchmark::DoNotOptimize(bytes_seen);
  report(state, tokens, elapsed);
}

void through_runtime(benchmark::State& state) { run_mock(state, true); }
void without_sink(benchmark::State& state) { run_mock(state, false); }

void sink_baseline(benchmark::State& state) {
  std::int64_t bytes_seen = 0;
  const ChunkSink sink = [&bytes_seen](const Chunk& chunk) { bytes_seen += static_cast<std::int64_t>(chunk.text.size()); };
  std::int64_t tokens = 0;
  std::chrono::nanoseconds elapsed{0};
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    Completion completion;
    Chunk chunk;
    for (int i = 0; i < kTokens; ++i) {
      const std::string_view token = i == 0 ? "tick" : " tick";
      chunk.text.assign(token);
      completion.text.append(token);
      sink(chunk);
    }
    elapsed += std::chrono::steady_clock::now() - start;
    tokens += kTokens;
    benchmark::DoNotOptimize(completion.text.data());
  }
  benchmark::DoNotOptimize(bytes_seen);
  report(state, tokens, elapsed);
}

BENCHMARK(through_runtime)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(without_sink)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(sink_baseline)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
