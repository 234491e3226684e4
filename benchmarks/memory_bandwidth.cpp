// Read bandwidth of this machine, with 1 and 2 threads, in small (4 KiB) and huge (2 MiB) pages:
// the denominator of decode's roofline. The same probe `switchboard bench` runs beside each
// repetition (framework/cli/read_bandwidth), in the pages the weights are in.

#include <benchmark/benchmark.h>

#include "read_bandwidth.hpp"

namespace {

void BM_ReadBandwidth(benchmark::State& state) {
  using switchboard::cli::ProbePages;
  using switchboard::cli::ReadBandwidthProbe;
  const int threads = static_cast<int>(state.range(0));
  const ReadBandwidthProbe probe(std::size_t{1} << 30, state.range(1) ? ProbePages::huge : ProbePages::small);
  for (auto _ : state) {
    state.SetIterationTime(static_cast<double>(probe.bytes()) / probe.measure(threads, 1));
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * probe.bytes()));
}

BENCHMARK(BM_ReadBandwidth)
    ->ArgNames({"threads", "huge"})
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
