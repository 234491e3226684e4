// 64 concurrent streams from the remote provider against a loopback server that sends
// OpenAI-style SSE events as fast as it can, to measure what the framework's side costs per
// streamed chunk: libcurl, the SSE parser, JSON parsing of each event, the reply builder and
// the ChunkSink call.
//
// cpu_ns_per_chunk sums the CPU time of the 64 client threads only (CLOCK_THREAD_CPUTIME_ID
// around each generate()); the server's threads are not counted. The loopback server is the
// tests' (tests/support/loopback_server.cpp).
// Run: build/<dir>/bin/bench_remote_stream  (see benchmarks/RESULTS.md)

#include <benchmark/benchmark.h>

#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <switchboard/switchboard.hpp>

#include "loopback_server.hpp"

namespace {

using namespace switchboard;
using loopback::LoopbackServer;
using loopback::ReceivedRequest;
using loopback::ScriptedResponse;

constexpr int kStreams = 64;
constexpr int kChunksPerStream = 2000;

std::chrono::nanoseconds thread_cpu_time() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// One realistic chat.completion.chunk per token, then the finish, usage and [DONE].
ScriptedResponse token_stream() {
  std::vector<std::string> data;
  for (int i = 0; i < kChunksPerStream; ++i)
    data.push_back(R"({"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench",)"
                   R"("choices":[{"index":0,"delta":{"content":" tick"},"finish_reason":null}]})");
  data.push_back(R"({"id":"chatcmpl-bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
  data.push_back(R"({"id":"chatcmpl-bench","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2000}})");
  data.push_back("[DONE]");
  return ScriptedResponse::sse_data(data);
}

void concurrent_streams(benchmark::State& state) {
  ::setenv("no_proxy", "127.0.0.1", 1);
  const ScriptedResponse response = token_stream();
  LoopbackServer server([&](const ReceivedRequest&) { return response; });
  const std::string yaml = "plugin_paths: [\"" SWITCHBOARD_BUILD_DIR "/lib/switchboard/plugins\"]\n"
                           "providers:\n  loop: { plugin: remote, api: openai, base_url: \"" + server.base_url() +
                           "/v1\", max_in_flight: 64 }\nmodels:\n  bench: { provider: loop }\n";
  Runtime runtime(Catalog::parse(yaml, "bench_remote_stream.yaml"));
  auto model = runtime.model("bench");
  const Request request{{Message::user("go")}, std::nullopt, {}};

  std::int64_t chunks = 0;
  std::chrono::nanoseconds client_cpu{0};
  std::chrono::nanoseconds wall{0};
  for (auto _ : state) {
    std::atomic<std::int64_t> seen{0};
    std::atomic<std::int64_t> cpu_ns{0};
    std::atomic<bool> failed{false};
    const auto started = std::chrono::steady_clock::now();
    {
      std::vector<std::jthread> threads;
      for (int i = 0; i < kStreams; ++i)
        threads.emplace_back([&] {
          std::int64_t mine = 0;
          const auto cpu_start = thread_cpu_time();
          const Completion reply = model->generate(request, [&mine](const Chunk&) { ++mine; });
          cpu_ns += (thread_cpu_time() - cpu_start).count();
          if (reply.finish_reason != FinishReason::stop || mine != kChunksPerStream) failed = true;
          seen += mine;
        });
    }
    wall += std::chrono::steady_clock::now() - started;
    if (failed) return state.SkipWithError("a stream did not arrive whole");
    chunks += seen;
    client_cpu += std::chrono::nanoseconds(cpu_ns.load());
  }
  const auto count = static_cast<double>(chunks);
  state.counters["chunks_per_s"] = benchmark::Counter(count / std::chrono::duration<double>(wall).count());
  state.counters["cpu_ns_per_chunk"] = benchmark::Counter(static_cast<double>(client_cpu.count()) / count);
}

BENCHMARK(concurrent_streams)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
