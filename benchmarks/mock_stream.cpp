// Streams 1,000,000 tokens from the mock provider with no delay, to measure what one token
// costs on its way from a provider to the host:
//   through_runtime   the whole public path: Runtime -> Model::generate -> ChunkSink
//   without_sink      the same call with no sink: the mock's own work per token
//   sink_baseline     no provider at all: filling a Chunk, appending to the reply text and
//                     calling a std::function ChunkSink, the least any provider pays
// Run: build/<dir>/bin/bench_mock_stream  (see benchmarks/RESULTS.md)

#include <benchmark/benchmark.h>

#include <time.h>

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

// This thread's CPU time: on a machine shared with builds, wall time also counts the time
// other processes held the core, CPU time does not.
std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Measures wall and CPU time around each streamed reply.
struct Stopwatch {
  std::chrono::nanoseconds wall{0};
  std::chrono::nanoseconds cpu{0};
  std::chrono::steady_clock::time_point wall_start;
  std::chrono::nanoseconds cpu_start{0};

  void start() {
    wall_start = std::chrono::steady_clock::now();
    cpu_start = thread_cpu_time();
  }
  void stop() {
    cpu += thread_cpu_time() - cpu_start;
    wall += std::chrono::steady_clock::now() - wall_start;
  }
};

// Tokens per second and nanoseconds per token over the whole run, by wall and by CPU time.
void report(benchmark::State& state, std::int64_t tokens, const Stopwatch& clock) {
  const auto count = static_cast<double>(tokens);
  state.counters["tokens_per_s"] = benchmark::Counter(count / std::chrono::duration<double>(clock.wall).count());
  state.counters["ns_per_token"] = benchmark::Counter(static_cast<double>(clock.wall.count()) / count);
  state.counters["cpu_ns_per_token"] = benchmark::Counter(static_cast<double>(clock.cpu.count()) / count);
}

void run_mock(benchmark::State& state, bool with_sink) {
  Runtime runtime = make_runtime();
  auto model = runtime.model("ticker");
  if (model->prepare().phase != LoadState::Phase::ready) return state.SkipWithError("the mock did not load");
  const Request request = million_token_request();
  std::int64_t bytes_seen = 0;
  const ChunkSink sink = [&bytes_seen](const Chunk& chunk) { bytes_seen += static_cast<std::int64_t>(chunk.text.size()); };

  std::int64_t tokens = 0;
  Stopwatch clock;
  for (auto _ : state) {
    clock.start();
    const Completion completion = model->generate(request, with_sink ? sink : ChunkSink{});
    clock.stop();
    if (completion.usage.completion_tokens != kTokens || completion.finish_reason != FinishReason::length)
      return state.SkipWithError("the mock did not stream the tokens asked for");
    tokens += completion.usage.completion_tokens;
    benchmark::DoNotOptimize(completion.text.data());
  }
  benchmark::DoNotOptimize(bytes_seen);
  report(state, tokens, clock);
}

void through_runtime(benchmark::State& state) { run_mock(state, true); }
void without_sink(benchmark::State& state) { run_mock(state, false); }

void sink_baseline(benchmark::State& state) {
  std::int64_t bytes_seen = 0;
  const ChunkSink sink = [&bytes_seen](const Chunk& chunk) { bytes_seen += static_cast<std::int64_t>(chunk.text.size()); };
  std::int64_t tokens = 0;
  Stopwatch clock;
  for (auto _ : state) {
    clock.start();
    Completion completion;
    Chunk chunk;
    for (int i = 0; i < kTokens; ++i) {
      const std::string_view token = i == 0 ? "tick" : " tick";
      chunk.text.assign(token);
      completion.text.append(token);
      sink(chunk);
    }
    clock.stop();
    tokens += kTokens;
    benchmark::DoNotOptimize(completion.text.data());
  }
  benchmark::DoNotOptimize(bytes_seen);
  report(state, tokens, clock);
}

BENCHMARK(through_runtime)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(without_sink)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(sink_baseline)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
