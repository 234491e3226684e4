// Read bandwidth of this machine: the denominator of decode's roofline
// (tokens/s <= read bandwidth / weight bytes read per token). Reads a buffer far larger than
// the caches, with 1 and 2 threads, as a decode step reads its weights: once, front to back.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kBytes = std::size_t{1} << 30;  // 1 GiB

const std::vector<std::uint64_t>& buffer() {
  static const std::vector<std::uint64_t> data = [] {
    std::vector<std::uint64_t> values(kBytes / sizeof(std::uint64_t));
    std::iota(values.begin(), values.end(), 1);  // touch every page so none is shared zero memory
    return values;
  }();
  return data;
}

std::uint64_t sum_range(const std::uint64_t* begin, const std::uint64_t* end) {
  // Four independent sums keep several loads in flight.
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  for (const std::uint64_t* p = begin; p + 4 <= end; p += 4) {
    a += p[0];
    b += p[1];
    c += p[2];
    d += p[3];
  }
  return a + b + c + d;
}

void BM_ReadBandwidth(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  const auto& data = buffer();
  const std::size_t share = data.size() / threads;
  for (auto _ : state) {
    std::vector<std::uint64_t> sums(threads);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t)
      workers.emplace_back([&, t] { sums[t] = sum_range(data.data() + t * share, data.data() + (t + 1) * share); });
    for (auto& worker : workers) worker.join();
    benchmark::DoNotOptimize(sums);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(kBytes));
}

BENCHMARK(BM_ReadBandwidth)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
