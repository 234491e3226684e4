// Read bandwidth of this machine, with 1 and 2 threads: the denominator of decode's roofline.
// The same probe `switchboard bench` runs beside each repetition (framework/cli/read_bandwidth).

#include <benchmark/benchmark.h>

#include "read_bandwidth.hpp"

namespace {

void BM_ReadBandwidth(benchmark::State& state) {
  static const switchboard::cli::ReadBandwidthProbe probe(std::size_t{1} << 30);
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.SetIterationTime(static_cast<double>(probe.bytes()) / probe.measure(threads, 1));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * probe.bytes()));
}

BENCHMARK(BM_ReadBandwidth)->Arg(1)->Arg(2)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
