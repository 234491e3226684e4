// The CPU kernels one at a time, on the matrix shapes of a Qwen2.5-0.5B decode step, for every
// instruction-set path this processor has. bytes_per_second is weight bytes streamed: compare it
// with bench_memory_bandwidth's figure for the roofline.

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sys/mman.h>
#include <cstdlib>
#include <random>

#include <benchmark/benchmark.h>

#include "backends/backend.hpp"
#include "backends/cpu/kernels/kernels.hpp"
#include "engine/weight_matrix.hpp"
#include "read_bandwidth.hpp"

namespace {

using namespace switchboard::local;
using namespace switchboard::local::cpu;

WeightMatrix random_matrix(int rows, int cols, int bits) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  WeightMatrix source;
  source.format = WeightFormat::f32;
  source.rows = rows;
  source.cols = cols;
  source.owned.resize(static_cast<std::size_t>(rows) * cols * 4);
  auto* values = reinterpret_cast<float*>(source.owned.data());
  for (std::size_t i = 0; i < static_cast<std::size_t>(rows) * cols; ++i) values[i] = normal(rng);
  source.data = source.owned.data();
  return bits ? quantize_affine(source, bits, 64) : std::move(source);
}

std::vector<float> random_row(int cols) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal;
  std::vector<float> x(static_cast<std::size_t>(cols));
  for (auto& v : x) v = normal(rng);
  return x;
}

// One thread, one matrix: rows × cols at `bits` (0 = f32), through path `path`.
void affine_matvec(benchmark::State& state, KernelPath path, int rows, int cols, int bits) {
  if (std::find(supported_paths().begin(), supported_paths().end(), path) == supported_paths().end()) {
    state.SkipWithError("this processor lacks the path");
    return;
  }
  const Kernels& kernels = kernels_for(path);
  const WeightMatrix w = random_matrix(rows, cols, bits);
  const auto x = random_row(cols);
  std::vector<float> out(static_cast<std::size_t>(rows));
  QuantizedRow prepared;
  for (auto _ : state) {
    prepared.prepare(x.data(), cols, w.group_size, w.bits(), kernels.row_layout);
    kernels.affine_rows(w, prepared, 0, rows, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.bytes()));
}

// `bytes` or more from a huge page boundary, advised MADV_HUGEPAGE, as the CPU backend keeps its
// weights and KV caches; std::free gives it back.
void* huge_page_memory(std::size_t bytes) {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = std::aligned_alloc(kHugePage, rounded);
  ::madvise(memory, rounded, MADV_HUGEPAGE);
  return memory;
}

// `copies` copies of `w` stacked into one matrix: a working set far larger than the caches
// without quantizing gigabytes of floats.
WeightMatrix stacked(const WeightMatrix& w, int copies, bool huge) {
  const std::size_t values = w.row_bytes() * w.rows, factors = static_cast<std::size_t>(w.rows) * (w.cols / w.group_size) * 2;
  WeightMatrix big;
  big.format = w.format;
  big.rows = w.rows * copies;
  big.cols = w.cols;
  big.group_size = w.group_size;
  big.scale_dtype = w.scale_dtype;
  const std::size_t total = (values + 2 * factors) * copies;
  std::byte* data;
  if (huge) {
    data = static_cast<std::byte*>(huge_page_memory(total));
  } else {
    big.owned.resize(total);
    data = big.owned.data();
  }
  std::byte* scales = data + values * copies;
  std::byte* biases = scales + factors * copies;
  for (int c = 0; c < copies; ++c) {
    std::memcpy(data + values * c, w.data, values);
    std::memcpy(scales + factors * c, w.scales, factors);
    std::memcpy(biases + factors * c, w.biases, factors);
  }
  big.data = data;
  big.scales = scales;
  big.biases = biases;
  return big;
}

// Products of rows × cols 4-bit weights stacked to 600 MB or so (past any cache), and a CPU
// backend of `threads` threads to run them one after another, as a decode step reads its weights.
struct StreamedProducts {
  StreamedProducts(int threads, bool huge, int rows, int cols) : backend(make_cpu_backend(threads)) {
    const WeightMatrix one = random_matrix(rows, cols, 4);
    const int count = static_cast<int>(std::max<std::size_t>(1, (std::size_t{600} << 20) / one.bytes()));
    all = stacked(one, count, huge);
    for (int p = 0; p < count; ++p) products.push_back(all.row_range(p * rows, rows, "product"));
    in = backend->allocate(static_cast<std::size_t>(cols));
    out = backend->allocate(static_cast<std::size_t>(rows));
  }
  void run() {
    for (const auto& w : products) backend->matmul(w, View{in.get()}, 1, View{out.get()});
  }
  std::unique_ptr<Backend> backend;
  WeightMatrix all;
  std::vector<WeightMatrix> products;
  std::unique_ptr<Buffer> in, out;
};

// A decode step's weight stream as the backend reads it: each product from memory, through the
// thread pool. Its bytes_per_second over bench_memory_bandwidth's is the share of the roofline
// the kernels and the pool reach before the rest of a forward pass takes its part; shapes apart
// show what a product's shape costs (Qwen2.5-0.5B's gate/up 4864 × 896 against its down 896 ×
// 4864).
void backend_stream(benchmark::State& state) {
  StreamedProducts stream(static_cast<int>(state.range(0)), state.range(1) != 0, static_cast<int>(state.range(2)),
                          static_cast<int>(state.range(3)));
  for (auto _ : state) stream.run();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.all.bytes()));
}

// backend_stream's products, each iteration followed by a plain read of the same bytes (the
// probe's loop, as many threads): share is the products' speed over the read's, the median over
// iterations. The host's bandwidth moves from one second to the next, by more than a kernel
// change moves decode; read beside the products, the two mostly see the same weather. Not
// always: on the Zen 4 of session 14 runs gave 0.88-0.98 for 8192 × 2048, but 0.65-0.75 where
// a run fell in one of the host's short periods of 50-60 GB/s reads.
void backend_stream_share(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  StreamedProducts stream(threads, true, static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
  const std::byte* bytes = stream.all.data;
  const std::size_t size = stream.all.bytes();
  std::vector<double> shares;
  for (auto _ : state) {
    // The read goes first every other iteration, so a trend in the weather favours neither.
    const bool read_first = shares.size() % 2 == 1;
    double read = read_first ? switchboard::cli::read_bandwidth(bytes, size, threads) : 0;
    const auto start = std::chrono::steady_clock::now();
    stream.run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!read_first) read = switchboard::cli::read_bandwidth(bytes, size, threads);
    state.SetIterationTime(seconds);
    shares.push_back(static_cast<double>(size) / seconds / read);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  // The median: a second of unusual weather moves one pair's ratio, not the figure.
  std::nth_element(shares.begin(), shares.begin() + shares.size() / 2, shares.end());
  state.counters["share"] = shares[shares.size() / 2];
}

// Decode attention of one KV head's query heads at a position late in a 512-token prompt, on
// path `path`: Qwen2.5-0.5B's 7 queries of 64 against one head of a cache laid out as the CPU
// backend's (chunks of 256 positions a row apart, a row holding every layer's two heads' keys and
// values, on huge pages where the kernel grants them). With `cold`, each iteration reads the next
// of 96 layers' heads (47 MB in all at 640 positions, past this machine's L3), as decode does
// after a layer's weights have streamed through; otherwise one layer's, cache-resident.
void attend(benchmark::State& state, KernelPath path) {
  if (std::find(supported_paths().begin(), supported_paths().end(), path) == supported_paths().end()) {
    state.SkipWithError("this processor lacks the path");
    return;
  }
  constexpr int kQueries = 7, kDim = 64, kLayers = 96, kHeads = 2;
  const int count = static_cast<int>(state.range(0));
  const bool cold = state.range(1) != 0;
  const Kernels& kernels = kernels_for(path);
  // A layer's part of a row: its heads' chunks of keys (floats), then of values (halves).
  constexpr std::size_t kChunk = static_cast<std::size_t>(kCacheChunk) * kDim, kLayerBytes = kHeads * kChunk * (sizeof(float) + 2),
                        kRowBytes = kLayers * kLayerBytes;
  const std::size_t rows = (static_cast<std::size_t>(count) + kCacheChunk - 1) / kCacheChunk;
  auto* cache = static_cast<std::byte*>(huge_page_memory(rows * kRowBytes));
  const auto keys = random_row(static_cast<int>(kHeads * kChunk)), values = random_row(static_cast<int>(kHeads * kChunk));
  for (std::size_t part = 0; part < rows * kLayers; ++part) {
    std::byte* at = cache + part * kLayerBytes;
    std::memcpy(at, keys.data(), keys.size() * sizeof(float));
    kernels.to_half(values.data(), reinterpret_cast<std::uint16_t*>(at + keys.size() * sizeof(float)), static_cast<int>(values.size()));
  }
  const auto q = random_row(kQueries * kDim);
  std::vector<float> out(kQueries * kDim);
  int layer = 0;
  for (auto _ : state) {
    std::byte* at = cache + static_cast<std::size_t>(layer) * kLayerBytes;
    const HeadCache head{reinterpret_cast<float*>(at), reinterpret_cast<std::uint16_t*>(at + kHeads * kChunk * sizeof(float)), kRowBytes,
                         kDim};
    kernels.attend(q.data(), kQueries, head, 0, count, 0.125f, 0.0f, out.data());
    benchmark::DoNotOptimize(out.data());
    if (cold) layer = (layer + 1) % kLayers;
  }
  std::free(cache);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * count * kDim * (sizeof(float) + 2)));
}

// One decode input of down's width, in the best path's layout.
void quantize_activations(benchmark::State& state) {
  const auto x = random_row(4864);
  const RowLayout layout = active_kernels().row_layout;
  QuantizedRow prepared;
  for (auto _ : state) {
    prepared.prepare(x.data(), 4864, 64, 4, layout);
    benchmark::DoNotOptimize(prepared.step.data());
  }
}

// The whole CPU backend (thread pool included) on the largest product of a decode step.
void backend_matvec(benchmark::State& state) {
  auto backend = make_cpu_backend(static_cast<int>(state.range(0)));
  const WeightMatrix w = random_matrix(4864, 896, 4);
  auto in = backend->allocate(896), out = backend->allocate(4864);
  const auto x = random_row(896);
  std::vector<float> sink(1);
  for (auto _ : state) {
    backend->matmul(w, View{in.get()}, 1, View{out.get()});
    backend->read(View{out.get()}, sink);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * w.bytes()));
}

// The ways to multiply T tokens by one matrix on one thread: our int8 kernel once per token
// (reads the weights T times), widening the rows to float32 once and one sgemm, or the path's
// token products (below). The CPU backend leaves the first from kPrefillMinTokens
// (cpu_backend.cpp) on; this is where that number comes from.
void tokens_by_int8_kernel(benchmark::State& state) {
  const int tokens = static_cast<int>(state.range(0));
  const Kernels& kernels = kernels_for(supported_paths().back());
  const WeightMatrix w = random_matrix(4864, 896, 4);
  std::vector<std::vector<float>> rows;
  for (int t = 0; t < tokens; ++t) rows.push_back(random_row(896)), rows.back()[0] += static_cast<float>(t);
  std::vector<float> out(static_cast<std::size_t>(w.rows) * tokens);
  QuantizedRow prepared;
  for (auto _ : state)
    for (int t = 0; t < tokens; ++t) {
      prepared.prepare(rows[static_cast<std::size_t>(t)].data(), w.cols, w.group_size, 4, kernels.row_layout);
      kernels.affine_rows(w, prepared, 0, w.rows, out.data() + static_cast<std::size_t>(t) * w.rows);
    }
  state.SetItemsProcessed(state.iterations() * tokens);
}

void tokens_by_widened_sgemm(benchmark::State& state) {
  const int tokens = static_cast<int>(state.range(0));
  const Kernels& kernels = kernels_for(supported_paths().back());
  const WeightMatrix w = random_matrix(4864, 896, 4);
  std::vector<float> in(static_cast<std::size_t>(tokens) * w.cols, 0.5f), out(static_cast<std::size_t>(tokens) * w.rows);
  constexpr int kBlock = 512;
  std::vector<float> widened(static_cast<std::size_t>(kBlock) * w.cols);
  openblas_set_num_threads(1);
  for (auto _ : state)
    for (int first = 0; first < w.rows; first += kBlock) {
      const int count = std::min(kBlock, w.rows - first);
      kernels.widen_rows(w, first, first + count, widened.data());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, count, w.cols, 1.0f, in.data(), w.cols, widened.data(), w.cols,
                  0.0f, out.data() + first, w.rows);
    }
  state.SetItemsProcessed(state.iterations() * tokens);
}

// The same product by the best path's token kernel (AMX tiles, or AVX2 int16 products): tokens
// quantized once, then every row times every token.
void tokens_by_token_kernel(benchmark::State& state) {
  const int tokens = static_cast<int>(state.range(0));
  const Kernels& kernels = kernels_for(supported_paths().back());
  if (!kernels.affine_tokens) {
    state.SkipWithError((std::string("the ") + path_name(kernels.path) + " path has no token products").c_str());
    return;
  }
  const WeightMatrix w = random_matrix(4864, 896, 4);
  std::vector<float> in(static_cast<std::size_t>(tokens) * w.cols), out(static_cast<std::size_t>(tokens) * w.rows);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i % 97) * 0.01f - 0.4f;
  QuantizedTokens prepared;
  for (auto _ : state) {
    prepared.prepare(in.data(), tokens, w.cols, w.group_size, 4, kernels.token_layout);
    kernels.affine_tokens(w, prepared, 0, w.rows, out.data(), static_cast<std::size_t>(w.rows));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * tokens);
  state.counters["weight_macs_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * tokens * w.rows * w.cols, benchmark::Counter::kIsRate);
}

void quantize_tokens(benchmark::State& state) {
  const int tokens = static_cast<int>(state.range(0));
  std::vector<float> in(static_cast<std::size_t>(tokens) * 896);
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i % 97) * 0.01f - 0.4f;
  const TokenLayout layout = kernels_for(supported_paths().back()).token_layout;
  if (layout == TokenLayout::none) {
    state.SkipWithError("the best path has no token products");
    return;
  }
  QuantizedTokens prepared;
  for (auto _ : state) {
    prepared.prepare(in.data(), tokens, 896, 64, 4, layout);
    benchmark::DoNotOptimize(prepared.step.data());
  }
  state.SetItemsProcessed(state.iterations() * tokens);
}

void register_all() {
  const std::pair<KernelPath, const char*> paths[] = {{KernelPath::scalar, "scalar"},
                                                      {KernelPath::avx2, "avx2"},
                                                      {KernelPath::avx512, "avx512"},
                                                      {KernelPath::avx512_vnni, "avx512_vnni"}};
  // (avx512_amx's row products are avx512_vnni's; its tile products are the tokens/token_kernel cases.)
  // q/o (896 × 896, cache-resident: the kernels' arithmetic alone), gate/up (4864 × 896), down (896 × 4864) and the tied output head (151936 × 896) of Qwen2.5-0.5B.
  const std::tuple<const char*, int, int> shapes[] = {{"attn_q", 896, 896}, {"ffn_up", 4864, 896}, {"ffn_down", 896, 4864}, {"lm_head", 151936, 896}};
  for (const auto& [path, path_label] : paths)
    for (const auto& [shape, rows, cols] : shapes)
      for (int bits : {4, 8})
        benchmark::RegisterBenchmark(("affine_matvec/" + std::string(path_label) + "/q" + std::to_string(bits) + "/" + shape).c_str(),
                                     [path = path, rows = rows, cols = cols, bits](benchmark::State& state) {
                                       affine_matvec(state, path, rows, cols, bits);
                                     })
            ->Unit(benchmark::kMicrosecond);
  for (const auto& [path, path_label] : paths)
    benchmark::RegisterBenchmark(("attend/" + std::string(path_label) + "/qwen_decode").c_str(),
                                 [path = path](benchmark::State& state) { attend(state, path); })
        ->ArgNames({"positions", "cold"})
        ->Args({640, 0})
        ->Args({640, 1})
        ->Args({2048, 1})
        ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("quantize_activations/4864", quantize_activations)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("quantize_tokens/896", quantize_tokens)->Arg(128)->Unit(benchmark::kMicrosecond);
  using Body = void (*)(benchmark::State&);
  const std::pair<const char*, Body> strategies[] = {{"tokens/int8_kernel/q4/ffn_up", tokens_by_int8_kernel},
                                                     {"tokens/widened_sgemm/q4/ffn_up", tokens_by_widened_sgemm},
                                                     {"tokens/token_kernel/q4/ffn_up", tokens_by_token_kernel}};
  for (const auto& [name, body] : strategies)
    benchmark::RegisterBenchmark(name, body)->Arg(1)->Arg(2)->Arg(3)->Arg(4)->Arg(8)->Arg(32)->Arg(128)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("backend_matvec/q4/ffn_up", backend_matvec)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
  // Arguments: threads, huge pages, rows, columns.
  benchmark::RegisterBenchmark("backend_stream/q4", backend_stream)
      ->ArgNames({"threads", "huge", "rows", "cols"})
      ->Args({1, 0, 8192, 2048})
      ->Args({2, 0, 8192, 2048})
      ->Args({2, 1, 8192, 2048})
      ->Args({2, 1, 4864, 896})
      ->Args({2, 1, 896, 4864})
      ->Args({2, 1, 896, 896})
      ->Args({1, 1, 4864, 896})
      ->Args({1, 1, 896, 4864})
      ->Args({2, 1, 2048, 8192})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  // Arguments: threads, rows, columns; huge pages.
  benchmark::RegisterBenchmark("backend_stream_share/q4", backend_stream_share)
      ->ArgNames({"threads", "rows", "cols"})
      ->Args({2, 8192, 2048})
      ->Args({2, 2048, 8192})
      ->Args({2, 4864, 896})
      ->Args({2, 896, 4864})
      ->Unit(benchmark::kMillisecond)
      ->UseManualTime();
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
