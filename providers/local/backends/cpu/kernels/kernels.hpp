#pragma once
// The CPU's inner loops: products of weight rows with one activation row, in one version per
// instruction set. The scalar version is the reference the others are tested against; which one
// runs is chosen once, at run time, from what the processor has (or SWITCHBOARD_CPU_KERNELS).
//
// Products with MLX affine weights (w = scale·q + bias per group) run on integers: the
// activation row is quantized per group in two int8 parts, x ≈ step·(256·high + low), so a
// product keeps about 16 bits of x (float32 answers to ~1e-5) while the inner loop is byte
// arithmetic (VNNI's vpdpbusd, or vpmaddubsw) straight on the packed weights.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "engine/weight_matrix.hpp"

namespace switchboard::local::cpu {

enum class KernelPath { scalar, avx2, avx512, avx512_vnni, avx512_amx };

const char* path_name(KernelPath path);

// How a path's decode products want an activation row laid out (QuantizedRow).
enum class RowLayout {
  int8_parts,  // high and low apart, for byte products (scalar, avx512_vnni, avx512_amx)
  int16_words,  // joined, 256·high + low, for int16 products (avx2)
  int16_wide_words,  // the same in 128-column chunks, for 512-bit int16 products (avx512)
};

// Cache-line aligned storage for activation rows, which the decode products load 64 bytes at a
// time: a load across two lines costs more. Rows of 4864 columns in L1 ran 23.5 GB/s a thread
// from malloc's 16-byte alignment, 31 aligned (avx512_vnni, product alone).
template <typename T>
struct LineAligned {
  using value_type = T;
  LineAligned() = default;
  template <typename U>
  LineAligned(const LineAligned<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <typename U>
  bool operator==(const LineAligned<U>&) const { return true; }
};

// One activation row, prepared for products with affine weights of `bits` and `group_size`, in
// the layout of the path that multiplies it.
//
// int8_parts: for 4-bit weights each `chunk` columns (128, or 64 when the row is not whole 128s)
// are stored even-indexed first, then odd-indexed: the order in which the low and high nibbles of
// the packed bytes come out, so a kernel multiplies them without shuffling.
//
// int16_words: the two parts joined, 256·high + low, so that one vpmaddwd multiplies a column's
// whole value (two byte products and a widening did). For 4-bit weights each 64 columns are four
// runs of 16, column 4k + r at 16r + k: the order in which a 16-bit word's four nibbles come out
// of the packed bytes. 8-bit rows keep the natural order.
//
// int16_wide_words: int16_words with 4-bit rows in chunks of 128 columns (four runs of 32,
// column 4k + r at 32r + k), where the row is whole 128s, so that one 512-bit vector holds a
// nibble's 32 columns; other rows in int16_words' 64.
struct QuantizedRow {
  RowLayout layout = RowLayout::int8_parts;
  int cols = 0;
  int group_size = 0;
  int bits = 0;
  int chunk = 128;  // of 4-bit columns, in the orders above
  std::vector<std::int8_t, LineAligned<std::int8_t>> high, low;  // int8_parts: cols each
  std::vector<std::int16_t, LineAligned<std::int16_t>> joined;    // int16_words, int16_wide_words: cols
  // Per group:
  std::vector<float> step;  // the scale of `low`; high's is 256 × step
  std::vector<float> sum;   // Σ x, which the weights' biases multiply

  void prepare(const float* x, int cols, int group_size, int bits, RowLayout layout = RowLayout::int8_parts);
  int position(int column) const;  // where column's values are stored
};

// How a path's token products want a prefill chunk's activations laid out.
enum class TokenLayout {
  none,         // the path has no token products (widen + sgemm instead)
  amx_tiles,    // the B operands of AMX tile products (avx512_amx)
  int16_pairs,  // int16 256·high + low, a column pair of 16 tokens side by side (avx2, avx512, avx512_vnni)
};

// Many activation rows (a prefill chunk's tokens), quantized exactly as QuantizedRow quantizes
// each, in the layout of the path that multiplies them.
//
// amx_tiles: columns go `step_cols` at a time (the group size, at most 64): one tile product's
// depth. Within a step 4-bit rows are stored even columns first, like QuantizedRow's chunks, and
// each tile holds 16 tokens: row k of a tile has the four bytes of depth 4k..4k+3 of each token
// side by side.
//
// int16_pairs: the two int8 parts joined, 256·high + low (at most 256·127 + 127, an int16), so
// that vpmaddwd does a two-part product in one instruction. Tokens go 16 at a time; within such a
// block columns go in pairs (the two int16 of one int32 lane), and a pair's 16 tokens lie side
// by side, so one vector holds 8 tokens' pairs (AVX2) or all 16 (AVX-512) and a weight pair
// broadcast to every lane multiplies them all: [token block][column pair][16 tokens][2]. A block's columns are contiguous, so a
// slice of them streams through L1 without conflicts.
struct QuantizedTokens {
  TokenLayout layout = TokenLayout::none;
  int tokens = 0;
  int cols = 0;
  int group_size = 0;
  int bits = 0;
  int padded = 0;     // tokens rounded up to the layout's block of 16; missing ones are zeros
  int step_cols = 0;  // amx_tiles only
  std::vector<std::int8_t> high, low;  // amx_tiles: [step][block] tiles of step_cols × 16 bytes
  std::vector<std::int16_t> joined;    // int16_pairs: [padded / 16][cols / 2][16][2]
  std::vector<float> step, sum;        // [group][padded token]

  // Sizes the buffers for `tokens` rows of `cols`, zeroing the missing tokens of the last block;
  // quantize() then fills tokens first..last of x (the whole tokens × cols matrix), so threads
  // can share the work.
  void reset(int tokens, int cols, int group_size, int bits, TokenLayout layout);
  void quantize(const float* x, int first, int last);
  void prepare(const float* x, int tokens, int cols, int group_size, int bits, TokenLayout layout) {
    reset(tokens, cols, group_size, bits, layout);
    quantize(x, 0, tokens);
  }
  int blocks() const { return padded / 16; }  // of 16 tokens, in either layout
  std::size_t tile_bytes() const { return static_cast<std::size_t>(step_cols) * 16; }
  std::int8_t* high_tile(int s, int block) { return high.data() + tile_offset(s, block); }
  std::int8_t* low_tile(int s, int block) { return low.data() + tile_offset(s, block); }
  const std::int8_t* high_tile(int s, int block) const { return high.data() + tile_offset(s, block); }
  const std::int8_t* low_tile(int s, int block) const { return low.data() + tile_offset(s, block); }
  // Token t's values of column pair `column_pair`; the block's next pair is 32 int16 on.
  std::size_t joined_at(int column_pair, int t) const {
    return ((static_cast<std::size_t>(t / 16) * (cols / 2) + column_pair) * 16 + t % 16) * 2;
  }
  const std::int16_t* joined_pair(int column_pair, int t) const { return joined.data() + joined_at(column_pair, t); }

 private:
  std::size_t tile_offset(int s, int block) const { return (static_cast<std::size_t>(s) * blocks() + block) * tile_bytes(); }
};

// quantize() for each layout, in the file of the path that reads it: amx.cpp and avx2.cpp.
void quantize_tiles(QuantizedTokens& x, const float* in, int first, int last);
void quantize_joined(QuantizedTokens& x, const float* in, int first, int last);
// QuantizedRow::prepare for RowLayout::int16_words and int16_wide_words (avx2.cpp): fills x's joined values, steps and sums, already sized, from in.
void quantize_words(QuantizedRow& x, const float* in);
// QuantizedRow::prepare for RowLayout::int8_parts: in vectors (avx2.cpp), where the processor has
// AVX2, and without (quantized_row.cpp), to the same bits; x's parts, steps and sums already sized.
void quantize_parts(QuantizedRow& x, const float* in);
void quantize_parts_scalar(QuantizedRow& x, const float* in);
// The AVX2 path's affine_rows, which the avx512 path takes 4-bit rows of 64-column chunks to.
void affine_rows_words_avx2(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out);

// One KV head's cache as the CPU keeps it. Positions go in blocks of kKeyBlock: a block's keys
// by dimension, [dimension][position in block], so attention scores a block's positions in the
// lanes of vectors, one dimension at a time, with no sum across lanes (position-major keys
// needed a transposing reduction for every eight scores); its values by position, for the
// weighted sum a position's row at a time. A chunk of kCacheChunk positions holds its blocks
// side by side (keys, and apart from them values), one long stream to read; chunks lie
// `row_bytes` apart, since a cache keeps every layer's and head's chunk of the same positions
// together (see the CPU backend's allocate_caches).
//
// Keys are float32, values IEEE half precision (to_half): decode reads the whole cache every
// token, and halves cut a quarter of it (decode attention at 576 positions about a fifth faster
// on the 1B bench shape, a tenth on the 0.5B, whose 7 queries a head weigh on arithmetic). Values enter the output linearly, each to 2^-11 of itself; keys go through the
// softmax's exponential, where half precision moved a conformance model's logits past its
// tolerance, so they stay float32.
constexpr int kKeyBlock = 16;
constexpr int kCacheChunk = 256;

struct HeadCache {
  float* keys;             // chunk 0's keys
  std::uint16_t* values;   // chunk 0's values
  std::size_t row_bytes;   // from one chunk to the next
  int dim;

  float* key_block(int position) const {
    return chunk(keys, position) + static_cast<std::size_t>(position % kCacheChunk / kKeyBlock) * kKeyBlock * static_cast<std::size_t>(dim);
  }
  float& key(int position, int d) const { return key_block(position)[static_cast<std::size_t>(d) * kKeyBlock + position % kKeyBlock]; }
  std::uint16_t* value(int position) const {
    return chunk(values, position) + static_cast<std::size_t>(position % kCacheChunk) * static_cast<std::size_t>(dim);
  }

 private:
  template <typename T>
  T* chunk(T* first, int position) const {
    return reinterpret_cast<T*>(reinterpret_cast<std::byte*>(first) + static_cast<std::size_t>(position / kCacheChunk) * row_bytes);
  }
};

struct Kernels {
  KernelPath path;
  // out[r - first] = row r of w · x, for affine w.
  void (*affine_rows)(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out);
  // The same for f32, f16 and bf16 weights.
  void (*float_rows)(const WeightMatrix& w, const float* x, int first, int last, float* out);
  // Σ a[i]·b[i], and y += a·x: attention's and RMSNorm's inner loops.
  float (*dot)(const float* a, const float* b, int n);
  void (*axpy)(float a, const float* x, float* y, int n);
  // x[i] = e^x[i], to about a float's rounding.
  void (*exp)(float* x, int n);
  // The first position of the highest of x[0..n), as std::max_element finds it (NaNs aside: they
  // are never the highest; with nothing above -inf, the first -inf): greedy sampling's search.
  std::size_t (*first_highest)(const float* x, std::size_t n);
  // out[i] = gate[i] · σ(gate[i]) · up[i] (SwiGLU), with this path's exp; out may be gate.
  void (*swiglu)(const float* gate, const float* up, float* out, int n);
  // `queries` query heads that share one KV head (q and out: that many rows of `dim`) against
  // its cached positions first..first + count - 1: out = softmax(soft-capped scale · q·kᵀ) · v.
  // A query's result depends on nothing but its arguments, so a prompt gives the same numbers in
  // any chunking.
  void (*attend)(const float* q, int queries, const HeadCache& cache, int first, int count, float scale, float softcap, float* out);
  // out[i] = in[i] in half precision (float_to_f16's bits), beyond ±65504 clamped to it: the KV
  // cache's values.
  void (*to_half)(const float* in, std::uint16_t* out, int n);
  // Rows first..last of any weight widened to float32, one after another (prefill's BLAS path).
  void (*widen_rows)(const WeightMatrix& w, int first, int last, float* out);
  // Rows first..last of affine w times every token of x (laid out as token_layout says):
  // out[t · out_stride + r - first]. Paths without such a product leave it null, and prefill
  // widens rows for sgemm instead.
  void (*affine_tokens)(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out,
                        std::size_t out_stride);
  TokenLayout token_layout;
  RowLayout row_layout;  // what affine_rows reads
};

// Whether affine_rows can take w: whole blocks of 64 columns. Other shapes (only tiny test
// models have them) go through float_rows, which takes any matrix.
bool integer_product_fits(const WeightMatrix& w);

std::vector<KernelPath> supported_paths();  // by this processor, scalar first
const Kernels& kernels_for(KernelPath path);  // throws Error(config) when the processor lacks it
// The best supported path, or the one SWITCHBOARD_CPU_KERNELS names (scalar, avx2, avx512,
// avx512_vnni, avx512_amx); an unknown or unsupported name is an error, never a silent fallback.
const Kernels& active_kernels();

// The largest finite half: the cache's values are clamped to it rather than overflow to infinity,
// which a softmax weight of zero would turn into NaN.
constexpr float kHalfLargest = 65504.0f;

// Kernels::to_half a value at a time: the scalar path's, and the vector paths' last few values.
inline void to_half_scalar(const float* in, std::uint16_t* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = float_to_f16(std::clamp(in[i], -kHalfLargest, kHalfLargest));
}

// Scores to softmax weights in place, e^(score − highest), returning 1 / their sum: the
// division is left to the weighted sum, once per dimension instead of once per score.
template <void (*Exp)(float*, int)>
float softmax_in_place(float* scores, int count) {
  float highest = -INFINITY;
  for (int j = 0; j < count; ++j) highest = std::max(highest, scores[j]);
  for (int j = 0; j < count; ++j) scores[j] -= highest;
  Exp(scores, count);
  float total = 0;
  for (int j = 0; j < count; ++j) total += scores[j];
  return 1.0f / total;
}

// Attention from a path's dot, axpy and exp, for the paths and head sizes without a faster one:
// each position's key gathered into a row once for all the queries.
template <float (*Dot)(const float*, const float*, int), void (*Axpy)(float, const float*, float*, int), void (*Exp)(float*, int)>
void attend_gathered(const float* q, int queries, const HeadCache& cache, int first, int count, float scale, float softcap, float* out) {
  const int dim = cache.dim;
  thread_local std::vector<float> key, value, scores;
  key.resize(static_cast<std::size_t>(dim));
  value.resize(static_cast<std::size_t>(dim));
  scores.resize(static_cast<std::size_t>(queries) * count);
  for (int j = 0; j < count; ++j) {
    for (int d = 0; d < dim; ++d) key[d] = cache.key(first + j, d);
    for (int i = 0; i < queries; ++i) {
      float score = Dot(q + static_cast<std::size_t>(i) * dim, key.data(), dim) * scale;
      if (softcap > 0) score = softcap * std::tanh(score / softcap);
      scores[static_cast<std::size_t>(i) * count + j] = score;
    }
  }
  for (int i = 0; i < queries; ++i) {
    float* weights = scores.data() + static_cast<std::size_t>(i) * count;
    float* sums = out + static_cast<std::size_t>(i) * dim;
    const float inverse = softmax_in_place<Exp>(weights, count);
    std::fill(sums, sums + dim, 0.0f);
    for (int j = 0; j < count; ++j) {
      const std::uint16_t* row = cache.value(first + j);
      for (int d = 0; d < dim; ++d) value[d] = f16_to_float(row[d]);
      Axpy(weights[j], value.data(), sums, dim);
    }
    for (int d = 0; d < dim; ++d) sums[d] *= inverse;
  }
}

// widen_rows without SIMD (scalar.cpp): the paths that have nothing faster use it.
void dequantize_rows(const WeightMatrix& w, int first, int last, float* out);

// One group of activations in the two int8 parts both layouts share: values ≈ step·(256·high + low).
// count is a multiple of 8 (group sizes are 32, 64 or 128).
void quantize_group(const float* values, int count, std::int8_t* high, std::int8_t* low, float& step, float& sum);

// The AMX tile product (amx.cpp), the avx512_amx table's affine_tokens.
void affine_tokens_amx(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out,
                       std::size_t out_stride);

// The int16_pairs token products (avx2.cpp): rows go kTokenBlockRows at a time, unpacked to
// int16 (natural column order) a slice of kTokenSliceCols columns at a time, small enough to stay
// in L1 while every token block passes it. A path's TokenRowsKernel multiplies a few of those
// rows (`weights`, kTokenSliceCols int16 apart) by one block of 16 tokens (`x`: the block's values
// of the slice's first column pair, pairs kTokenPairStride int16 apart) over the slice's `groups`,
// adding each group's sums times scale · step, plus bias · Σx, into totals[row][token]. The
// AVX2 kernel takes 4 rows, the AVX-512 one 8; affine_tokens_int16 runs the frame around either.
constexpr int kTokenBlockRows = 16;
constexpr int kTokenSliceCols = 256;  // a multiple of every group size: slices end where groups do
constexpr std::size_t kTokenPairStride = 32;
using TokenRowsKernel = void (*)(const std::int16_t* weights, const std::int16_t* x, int groups, const float* scales,
                                 const float* biases, std::size_t factor_stride, const float* steps, const float* sums,
                                 std::size_t padded, float (*totals)[16]);
void affine_tokens_int16(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out, std::size_t out_stride,
                         TokenRowsKernel rows_times_tokens, int kernel_rows);
void affine_tokens_avx2(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out,
                        std::size_t out_stride);

// Each path's table, defined in its own file compiled for its instruction set (avx512_amx's, which
// is avx512_vnni's with tile products added, beside avx512_vnni's).
extern const Kernels kScalarKernels;
extern const Kernels kAvx2Kernels;
extern const Kernels kAvx512Kernels;
extern const Kernels kAvx512VnniKernels;
extern const Kernels kAvx512AmxKernels;

}  // namespace switchboard::local::cpu
