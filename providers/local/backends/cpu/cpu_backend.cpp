// The CPU backend: our SIMD kernels for products with one or a few tokens (decode); for many
// (prefill), the path's token products (AMX tiles, AVX2 int16) where it has them, else OpenBLAS
// on dequantized row blocks; a thread pool splitting rows; plain loops for the rest.

#include <cblas.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <switchboard/error.hpp>

#include "backends/backend.hpp"
#include "backends/cpu/kernels/kernels.hpp"
#include "backends/cpu/thread_pool.hpp"

namespace switchboard::local {
namespace {

using cpu::QuantizedRow;

// Below this many tokens a product runs our int8 kernel once per token; from it on, the path's
// token products (AMX tiles, AVX2 int16), or where it has none, blocks of rows widened to float32
// once and multiplied by sgemm. bench_cpu_kernels' tokens/* cases (4864 × 896, 4-bit, one
// thread) put sgemm's break-even near 32 tokens (8: 1.5 ms against 4.0 ms; 32: 6.5 against 6.7)
// and the AVX2 token products' near 5 (4: 1.8 ms against 1.9; 8: 3.6 against 2.2), but prompt chunks
// must take the arithmetic a whole prompt takes (the conformance suite holds chunked and
// single-pass prefill to float32 rounding), so prefill-sized products start at 8.
constexpr int kPrefillMinTokens = 8;
constexpr int kBlasMinRowBlock = 64;
constexpr int kBlasMaxRowBlock = 512;
constexpr std::size_t kBlasBlockBytes = 2u << 20;
constexpr std::int64_t kRowsPerPiece = 16;
constexpr int kTileRows = 32;  // the rows one AMX block computes (two AVX2 blocks)

class CpuBuffer final : public Buffer {
 public:
  explicit CpuBuffer(std::size_t floats)
      : size_(floats), storage_(new (std::align_val_t(64)) float[floats], [](float* p) { ::operator delete[](p, std::align_val_t(64)); }),
        data_(storage_.get()) {}
  // Part of memory other buffers share (a KV cache's mapping), as many bytes as `floats` floats: a
  // KV head's chunks `row_bytes` apart (see allocate_caches).
  CpuBuffer(std::shared_ptr<void> shared, float* data, std::size_t floats, std::size_t row_bytes)
      : size_(floats), storage_(std::move(shared), data), data_(data), row_bytes_(row_bytes) {}
  std::size_t size() const override { return size_; }
  float* data() { return data_; }
  std::size_t row_bytes() const { return row_bytes_; }

 private:
  std::size_t size_;
  std::shared_ptr<float> storage_;
  float* data_;  // left uninitialised; a KV cache's mapping costs memory only where written
  std::size_t row_bytes_ = 0;
};

// Anonymous memory in whole huge pages from a huge page boundary, advised MADV_HUGEPAGE (a hint:
// the kernel may back it with small pages), untouched until written.
class HugePageMapping {
 public:
  explicit HugePageMapping(std::size_t bytes) {
    constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
    size_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    // Mapped a huge page larger, then trimmed to the boundary inside.
    void* region = ::mmap(nullptr, size_ + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) throw Error(ErrorCategory::unavailable, "cannot map " + std::to_string(size_) + " bytes for the KV cache");
    const auto begin = reinterpret_cast<std::uintptr_t>(region), start = (begin + kHugePage - 1) / kHugePage * kHugePage;
    if (start > begin) ::munmap(region, start - begin);
    if (start + size_ < begin + size_ + kHugePage) ::munmap(reinterpret_cast<void*>(start + size_), begin + kHugePage - start);
    start_ = reinterpret_cast<std::byte*>(start);
    ::madvise(start_, size_, MADV_HUGEPAGE);
  }
  ~HugePageMapping() { ::munmap(start_, size_); }
  HugePageMapping(const HugePageMapping&) = delete;
  HugePageMapping& operator=(const HugePageMapping&) = delete;
  std::byte* start() const { return start_; }

 private:
  std::byte* start_ = nullptr;
  std::size_t size_ = 0;
};

// The cosines and sines of the rotary angles of one pass's positions, kept for the next call
// that asks for the same: queries and keys, and every layer that shares its frequencies, turn by
// the same angles (a decode step worked out 48 × 64 of them again where 64 were new).
struct RopeAngles {
  int tokens = 0, first_position = -1;
  std::vector<float> frequencies, cosines, sines;  // cosines and sines: tokens × frequencies

  const RopeAngles& of(int tokens_in, int first_position_in, std::span<const float> frequencies_in) {
    if (tokens_in == tokens && first_position_in == first_position && std::equal(frequencies_in.begin(), frequencies_in.end(), frequencies.begin(), frequencies.end()))
      return *this;
    tokens = tokens_in;
    first_position = first_position_in;
    frequencies.assign(frequencies_in.begin(), frequencies_in.end());
    const std::size_t half = frequencies.size();
    cosines.resize(static_cast<std::size_t>(tokens) * half);
    sines.resize(cosines.size());
    for (int t = 0; t < tokens; ++t)
      for (std::size_t i = 0; i < half; ++i) {
        const float angle = static_cast<float>(first_position + t) * frequencies[i];
        cosines[t * half + i] = std::cos(angle);
        sines[t * half + i] = std::sin(angle);
      }
    return *this;
  }
};

float* at(View view) { return static_cast<CpuBuffer*>(view.buffer)->data() + view.offset; }

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads)
      : kernels_(cpu::active_kernels()), pool_(threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency())) {
    // Our pool runs BLAS calls on its threads; OpenBLAS's own threads would only compete.
    openblas_set_num_threads(1);
  }

  std::string name() const override { return "cpu"; }
  int prefill_chunk() const override { return 128; }
  bool reads_weights_in_host_memory() const override { return true; }
  nlohmann::json describe() const override {
    return {{"backend", "cpu"}, {"threads", pool_.size()}, {"kernels", cpu::path_name(kernels_.path)}};
  }

  std::unique_ptr<Buffer> allocate(std::size_t floats) override { return std::make_unique<CpuBuffer>(floats); }
  // Every layer's caches in one mapping, a row of cpu::kCacheChunk positions at a time: row r
  // holds, for each layer, its keys' chunk r of every KV head, then its values'. So the memory a
  // context touches grows with its positions (the mapping's pages cost memory only once written)
  // on huge pages too, where laid out a head at a time a short context would touch every head's
  // stretch, a huge page each. On small pages each block of keys (4 KiB at 64 dimensions) was a
  // page of its own, a TLB miss: decode attention at 576 positions took 29-35 µs a layer against
  // 23-24 in this mapping (Qwen2.5-0.5B shape, 2 threads, SWITCHBOARD_CPU_PROFILE, 3
  // alternations). Chunks of 128 positions read slower (26-31 µs), and a row a block of 16 wide
  // slower still (33-41): a head's stream breaks at every chunk.
  // Keys are floats, values halves (kernels.hpp: HeadCache).
  CacheBuffers allocate_caches(int layers, int positions, int kv_heads, int head_dim) override {
    const std::size_t layer_part = static_cast<std::size_t>(kv_heads) * cpu::kCacheChunk * head_dim;  // a layer's keys or values in a row
    const std::size_t key_bytes = layer_part * sizeof(float), value_bytes = layer_part * sizeof(std::uint16_t);
    const std::size_t row = static_cast<std::size_t>(layers) * (key_bytes + value_bytes);
    const std::size_t rows = (static_cast<std::size_t>(positions) + cpu::kCacheChunk - 1) / cpu::kCacheChunk;
    auto mapping = std::make_shared<HugePageMapping>(rows * row);
    CacheBuffers caches;
    for (int l = 0; l < layers; ++l) {
      std::byte* keys = mapping->start() + static_cast<std::size_t>(l) * (key_bytes + value_bytes);
      caches.keys.push_back(std::make_unique<CpuBuffer>(mapping, reinterpret_cast<float*>(keys), rows * layer_part, row));
      caches.values.push_back(std::make_unique<CpuBuffer>(mapping, reinterpret_cast<float*>(keys + key_bytes), rows * layer_part / 2, row));
    }
    return caches;
  }
  void upload(const WeightMatrix&) override {}
  void upload(std::span<const float>) override {}
  void read(View source, std::span<float> out) override { std::copy_n(at(source), out.size(), out.data()); }
  std::span<float> in_place(View source, std::size_t n) override { return {at(source), n}; }

  void matmul(const WeightMatrix& w, View in, int tokens, View out) override {
    const Product product{&w, out};
    matmuls({&product, 1}, in, tokens);
  }

  // Products of one input (q/k/v, gate/up, or a single weight) as one piece of work for each run
  // of them that one quantized input serves: usually one run, but several with mixed
  // quantizations (MLX's per-module overrides, say v_proj at 8 bits beside 4-bit q and k).
  void matmuls(std::span<const Product> products, View in_view, int tokens) override {
    const float* in = at(in_view);
    while (!products.empty()) {
      std::size_t run = 1;
      if (!cpu::integer_product_fits(*products.front().w)) {
        float_matmul(*products.front().w, in, tokens, at(products.front().out));
      } else {
        while (run < products.size() && one_input_serves(*products.front().w, *products[run].w)) ++run;
        integer_matmuls(products.first(run), in, tokens);
      }
      products = products.subspan(run);
    }
  }

  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out_view) override {
    float* out = at(out_view);
    for (std::size_t t = 0; t < ids.size(); ++t) {
      float* row = out + t * table.cols;
      table.dequantize_row(ids[t], row);
      if (scale != 1.0f)
        for (int c = 0; c < table.cols; ++c) row[c] *= scale;
    }
  }

  void rms_norm(View in_view, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out_view) override {
    const float* in = at(in_view);
    float* out = at(out_view);
    for (int r = 0; r < rows; ++r) {
      const float* x = in + static_cast<std::size_t>(r) * dim;
      float* y = out + static_cast<std::size_t>(r) * dim;
      const float inverse_rms = 1.0f / std::sqrt(kernels_.dot(x, x, dim) / static_cast<float>(dim) + eps);
      for (int i = 0; i < dim; ++i) y[i] = x[i] * inverse_rms * (adds_one ? 1.0f + weight[i] : weight[i]);
    }
  }

  void rope(View x_view, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) override {
    float* x = at(x_view);
    const int half = head_dim / 2;
    const RopeAngles& angles = rope_angles_.of(tokens, first_position, inverse_frequencies.first(static_cast<std::size_t>(half)));
    for (int t = 0; t < tokens; ++t) {
      const float* cosines = angles.cosines.data() + static_cast<std::size_t>(t) * half;
      const float* sines = angles.sines.data() + static_cast<std::size_t>(t) * half;
      for (int h = 0; h < heads; ++h) {
        float* v = x + (static_cast<std::size_t>(t) * heads + h) * head_dim;
        for (int i = 0; i < half; ++i) {
          const float a = v[i], b = v[i + half];
          v[i] = a * cosines[i] - b * sines[i];
          v[i + half] = b * cosines[i] + a * sines[i];
        }
      }
    }
  }

  // Caches as allocate_caches lays them out: a KV head's positions in chunks a row apart, each
  // chunk its keys in blocks by dimension and its values by position (kernels.hpp: HeadCache).
  // Decode's tasks are KV heads, so each thread streams a head's chunks.
  void store_kv(View k_view, View v_view, int tokens, int first_position, const AttentionShape& shape, View key_view,
                View value_view) override {
    const float* k = at(k_view);
    const float* v = at(v_view);
    const int dim = shape.head_dim;
    for (int h = 0; h < shape.kv_heads; ++h) {
      const cpu::HeadCache cache = head_cache(key_view, value_view, shape, h);
      for (int t = 0; t < tokens; ++t) {
        const std::size_t from = (static_cast<std::size_t>(t) * shape.kv_heads + h) * dim;
        const int position = first_position + t;
        for (int d = 0; d < dim; ++d) cache.key(position, d) = k[from + d];
        kernels_.to_half(v + from, cache.value(position), dim);
      }
    }
  }

  // Tasks by query token: each query's arithmetic is the same whatever else is in
  // the chunk, so a prompt prefilled in pieces gives a single pass's numbers (a BLAS product over
  // the chunk's queries would not: its summation order follows the matrix shapes).
  void attention(View q_view, View key_view, View value_view, int tokens, int first_position, const AttentionShape& shape,
                 View out_view) override {
    const float* q = at(q_view);
    float* out = at(out_view);
    const int group = shape.heads / shape.kv_heads;
    // A task is one token's query heads that share a KV head.
    pool_.parallel_for(static_cast<std::int64_t>(tokens) * shape.kv_heads, 1, [&](std::int64_t first_task, std::int64_t last_task) {
      for (std::int64_t task = first_task; task < last_task; ++task) {
        const int t = static_cast<int>(task / shape.kv_heads), kv_head = static_cast<int>(task % shape.kv_heads);
        const int position = first_position + t;
        const int first = shape.window > 0 ? std::max(0, position - shape.window + 1) : 0;
        const std::size_t head = static_cast<std::size_t>(t) * shape.heads + static_cast<std::size_t>(kv_head) * group;
        kernels_.attend(q + head * shape.head_dim, group, head_cache(key_view, value_view, shape, kv_head), first, position - first + 1,
                        shape.scale, shape.softcap, out + head * shape.head_dim);
      }
    });
  }

  void gated_activation(View gate_view, View up_view, std::size_t n, Activation activation, View out_view) override {
    const float* gate = at(gate_view);
    const float* up = at(up_view);
    float* out = at(out_view);
    if (activation == Activation::silu) {
      // Slices split between the threads where there are many (prefill); a decode step's few run
      // on this one, as a hand-over would cost more than they do.
      constexpr std::int64_t kSlice = 1024;
      pool_.parallel_for(static_cast<std::int64_t>((n + kSlice - 1) / kSlice), 16, [&](std::int64_t first, std::int64_t last) {
        const std::size_t begin = static_cast<std::size_t>(first * kSlice), end = std::min(n, static_cast<std::size_t>(last * kSlice));
        kernels_.swiglu(gate + begin, up + begin, out + begin, static_cast<int>(end - begin));
      });
    } else {
      constexpr float kSqrt2OverPi = 0.7978845608028654f;
      for (std::size_t i = 0; i < n; ++i) {
        const float x = gate[i];
        out[i] = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x))) * up[i];
      }
    }
  }

  void add(View x_view, View delta_view, std::size_t n) override {
    float* x = at(x_view);
    const float* delta = at(delta_view);
    for (std::size_t i = 0; i < n; ++i) x[i] += delta[i];
  }

  void add_bias(View x_view, std::span<const float> bias, int rows) override {
    float* x = at(x_view);
    for (int r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < bias.size(); ++i) x[r * bias.size() + i] += bias[i];
  }

  void copy(View source, View destination, std::size_t n) override { std::copy_n(at(source), n, at(destination)); }

  void softcap(View x_view, std::size_t n, float cap) override {
    float* x = at(x_view);
    for (std::size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
  }

 private:
  // KV head `kv_head` of a layer's caches, from allocate_caches.
  static cpu::HeadCache head_cache(View key_view, View value_view, const AttentionShape& shape, int kv_head) {
    const std::size_t head = static_cast<std::size_t>(kv_head) * cpu::kCacheChunk * shape.head_dim;
    return {at(key_view) + head, reinterpret_cast<std::uint16_t*>(at(value_view)) + head,
            static_cast<CpuBuffer*>(key_view.buffer)->row_bytes(), shape.head_dim};
  }

  // Whether the integer kernels take `w` with the input quantized for `first`.
  static bool one_input_serves(const WeightMatrix& first, const WeightMatrix& w) {
    return cpu::integer_product_fits(w) && w.cols == first.cols && w.group_size == first.group_size && w.bits() == first.bits();
  }

  // Products that one_input_serves: in decode one parallel loop over all their rows, in prefill
  // token products (AMX tiles, AVX2 int16) of tokens quantized once.
  void integer_matmuls(std::span<const Product> products, const float* in, int tokens) {
    const WeightMatrix& first = *products.front().w;
    if (tokens >= kPrefillMinTokens) {
      if (!kernels_.affine_tokens) {
        for (const Product& product : products) blas_matmul(*product.w, in, tokens, at(product.out));
        return;
      }
      quantize_tokens(first, in, tokens);
      for (const Product& product : products) tile_products(*product.w, at(product.out));
      return;
    }
    std::vector<std::int64_t> starts{0};  // where each product's rows begin in the joint range
    for (const Product& product : products) starts.push_back(starts.back() + product.w->rows);
    for (int t = 0; t < tokens; ++t) {
      prepared_.prepare(in + static_cast<std::size_t>(t) * first.cols, first.cols, first.group_size, first.bits(), kernels_.row_layout);
      pool_.parallel_for(starts.back(), kRowsPerPiece, [&](std::int64_t begin, std::int64_t end) {
        for (std::size_t p = 0; p < products.size(); ++p) {
          const std::int64_t from = std::max(begin, starts[p]), to = std::min(end, starts[p + 1]);
          if (from >= to) continue;
          const WeightMatrix& w = *products[p].w;
          float* out = at(products[p].out) + static_cast<std::size_t>(t) * w.rows;
          kernels_.affine_rows(w, prepared_, static_cast<int>(from - starts[p]), static_cast<int>(to - starts[p]), out + (from - starts[p]));
        }
      });
    }
  }

  // A weight the integer kernels cannot take: float32 rows through sgemm in prefill, the float
  // kernels in decode.
  void float_matmul(const WeightMatrix& w, const float* in, int tokens, float* out) {
    if (tokens >= kPrefillMinTokens) {
      blas_matmul(w, in, tokens, out);
      return;
    }
    for (int t = 0; t < tokens; ++t) float_matvec(w, in + static_cast<std::size_t>(t) * w.cols, out + static_cast<std::size_t>(t) * w.rows);
  }

  // Weights the integer kernels cannot take, one token: f32/f16/bf16 through the path's float
  // kernel, odd affine shapes through the scalar one.
  void float_matvec(const WeightMatrix& w, const float* x, float* out) {
    const auto& kernels = w.quantized() ? cpu::kScalarKernels : kernels_;
    pool_.parallel_for(w.rows, kRowsPerPiece, [&](std::int64_t first, std::int64_t last) {
      kernels.float_rows(w, x, static_cast<int>(first), static_cast<int>(last), out + first);
    });
  }

  // The tokens quantized for token products, split across the pool.
  void quantize_tokens(const WeightMatrix& w, const float* in, int tokens) {
    prepared_tokens_.reset(tokens, w.cols, w.group_size, w.bits(), kernels_.token_layout);
    pool_.parallel_for(tokens, 4, [&](std::int64_t first, std::int64_t last) {
      prepared_tokens_.quantize(in, static_cast<int>(first), static_cast<int>(last));
    });
  }

  // out = prepared tokens · wᵀ, each thread taking blocks of weight rows (32: AMX's block, two of
  // the AVX2 kernel's).
  void tile_products(const WeightMatrix& w, float* out) {
    const std::int64_t blocks = (w.rows + kTileRows - 1) / kTileRows;
    pool_.parallel_for(blocks, 1, [&](std::int64_t first_block, std::int64_t last_block) {
      const int first = static_cast<int>(first_block * kTileRows);
      const int last = std::min(w.rows, static_cast<int>(last_block * kTileRows));
      kernels_.affine_tokens(w, prepared_tokens_, first, last, out + first, static_cast<std::size_t>(w.rows));
    });
  }

  // out = in · wᵀ, a block of weight rows at a time: each block is widened to float32 once and
  // multiplied with every token by one sgemm on the pool's thread that took it.
  void blas_matmul(const WeightMatrix& w, const float* in, int tokens, float* out) {
    // Large blocks, so BLAS packs the tokens' rows few times; at least two per thread.
    // Blocks stay near 2 MiB widened, so the widened copies add little to the peak footprint.
    const int fair_share = (w.rows / (2 * pool_.size()) + 15) / 16 * 16;
    const int by_bytes = static_cast<int>(kBlasBlockBytes / (static_cast<std::size_t>(w.cols) * 4)) / 16 * 16;
    const int block_rows = std::clamp(std::min(fair_share, by_bytes), kBlasMinRowBlock, kBlasMaxRowBlock);
    const std::int64_t blocks = (w.rows + block_rows - 1) / block_rows;
    pool_.parallel_for(blocks, 1, [&](std::int64_t first_block, std::int64_t last_block) {
      thread_local std::vector<float> widened;
      for (std::int64_t block = first_block; block < last_block; ++block) {
        const int first = static_cast<int>(block * block_rows);
        const int count = std::min(block_rows, w.rows - first);
        const float* rows = reinterpret_cast<const float*>(w.data) + static_cast<std::size_t>(first) * w.cols;
        if (w.format != WeightFormat::f32) {
          widened.resize(static_cast<std::size_t>(count) * w.cols);
          kernels_.widen_rows(w, first, first + count, widened.data());
          rows = widened.data();
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, count, w.cols, 1.0f, in, w.cols, rows, w.cols, 0.0f,
                    out + first, w.rows);
      }
    });
  }

  const cpu::Kernels& kernels_;
  cpu::ThreadPool pool_;
  QuantizedRow prepared_;
  cpu::QuantizedTokens prepared_tokens_;
  RopeAngles rope_angles_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) { return std::make_unique<CpuBackend>(threads); }

}  // namespace switchboard::local
