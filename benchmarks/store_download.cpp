// Model store throughput: a pull of a 64 MiB LFS file from the loopback hub into a fresh cache
// (HTTP, redirect, write, SHA-256, rename, link), and SHA-256 alone, which bounds verification.

#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <random>

#include <switchboard/model_store.hpp>

#include "hub_server.hpp"
#include "store/sha256.hpp"

namespace {

namespace fs = std::filesystem;
using namespace switchboard;

std::string random_bytes(std::size_t size) {
  std::mt19937_64 random(42);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    const std::uint64_t word = random();
    std::memcpy(bytes.data() + i, &word, 8);
  }
  return bytes;
}

void BM_Sha256(benchmark::State& state) {
  const std::string bytes = random_bytes(16 << 20);
  for (auto _ : state) {
    store::Sha256 hasher;
    hasher.update(bytes);
    benchmark::DoNotOptimize(hasher.hex_digest());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_Sha256)->Unit(benchmark::kMillisecond);

void BM_PullFromLoopback(benchmark::State& state) {
  const std::size_t size = 64u << 20;
  store_test::HubServer hub;
  hub.add_repo("bench/model", fs::path(SWITCHBOARD_SOURCE_DIR) / "tests" / "fixtures" / "models" / "llama");
  hub.edit([&](auto& repos, store_test::Faults&) {
    auto& file = repos["bench/model"].files["model.safetensors"];
    file.content = random_bytes(size);
    store::Sha256 hasher;
    hasher.update(file.content);
    file.sha256 = hasher.hex_digest();
  });
  const fs::path cache = fs::temp_directory_path() / "switchboard-bench-store";
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(cache);
    state.ResumeTiming();
    HubSettings settings;
    settings.endpoint = hub.endpoint();
    settings.cache = cache;
    settings.offline = false;
    ModelStore store(settings);
    benchmark::DoNotOptimize(store.pull(HubReference::parse("hf:bench/model")));
  }
  fs::remove_all(cache);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(size));
}
BENCHMARK(BM_PullFromLoopback)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
