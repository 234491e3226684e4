// Prefill's products on AMX tiles: 32 weight rows × 16 tokens at a time, the same two-part int8
// arithmetic as the vector kernels (exact int32 sums per group, then the group's scale), at the
// rate of the tile unit instead of the vector units.
//
// Tiles: C0..C3 accumulate (rows 0-15 and 16-31) × (high and low parts), A4 and A5 hold the
// weight rows unpacked to one byte per value, B6 and B7 the tokens' high and low parts.

#include "backends/cpu/kernels/intrinsics.hpp"

#include <algorithm>
#include <cstring>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

constexpr int kBlockRows = 32;

struct alignas(64) TileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t bytes_per_row[16] = {};
  std::uint8_t rows[16] = {};
};

TileConfig tile_config(int step_cols) {
  TileConfig config;
  for (int c = 0; c < 4; ++c) config.rows[c] = 16, config.bytes_per_row[c] = 64;
  for (int a = 4; a < 6; ++a) config.rows[a] = 16, config.bytes_per_row[a] = static_cast<std::uint16_t>(step_cols);
  for (int b = 6; b < 8; ++b) config.rows[b] = static_cast<std::uint8_t>(step_cols / 4), config.bytes_per_row[b] = 64;
  return config;
}

// Rows first..first+count of w as one byte per value, laid out [step][row][step_cols] so each
// A tile is one strided load; rows past count are zero. Also each row's group scales and biases.
struct UnpackedRows {
  std::vector<std::uint8_t> values;
  std::vector<float> scales, biases;  // [group][kBlockRows]

  void unpack(const WeightMatrix& w, int step_cols, int first, int count) {
    const int steps = w.cols / step_cols, groups = w.cols / w.group_size;
    // Only a partial block has rows to leave zero; a whole one is overwritten below.
    const std::size_t size = static_cast<std::size_t>(steps) * kBlockRows * step_cols;
    if (count < kBlockRows) values.assign(size, 0);
    else values.resize(size);
    scales.assign(static_cast<std::size_t>(groups) * kBlockRows, 0.0f);
    biases.assign(scales.size(), 0.0f);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    for (int i = 0; i < count; ++i) {
      const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(first + i);
      for (int s = 0; s < steps; ++s) {
        std::uint8_t* to = values.data() + (static_cast<std::size_t>(s) * kBlockRows + i) * step_cols;
        if (w.format == WeightFormat::affine8) {
          std::memcpy(to, row + static_cast<std::size_t>(s) * step_cols, static_cast<std::size_t>(step_cols));
        } else if (step_cols == 64) {
          // 32 packed bytes: low nibbles are the even columns, high nibbles the odd ones.
          const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + s * 32));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(to), _mm256_and_si256(packed, nibble));
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + 32), _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble));
        } else {
          const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + s * 16));
          const __m128i low_nibble = _mm256_castsi256_si128(nibble);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(to), _mm_and_si128(packed, low_nibble));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(to + 16), _mm_and_si128(_mm_srli_epi16(packed, 4), low_nibble));
        }
      }
      for (int g = 0; g < groups; ++g) {
        const std::size_t index = static_cast<std::size_t>(first + i) * groups + g;
        scales[static_cast<std::size_t>(g) * kBlockRows + i] = read_float(w.scales, w.scale_dtype, index);
        biases[static_cast<std::size_t>(g) * kBlockRows + i] = read_float(w.biases, w.scale_dtype, index);
      }
    }
  }
};

// The four C tiles of one group and one 16-token block, as stored: [tile][row][token].
using TileSums = std::int32_t[4][16][16];

// totals[i] (row i's 16 tokens) += the group's scaled integer sums and its bias term.
inline void add_group(const TileSums& sums, const float* step_values, const float* sum_values, const float* scale,
                      const float* bias, float (*totals)[16]) {
  const __m512 step = _mm512_loadu_ps(step_values);
  const __m512 sum = _mm512_loadu_ps(sum_values);
#pragma GCC unroll 32
  for (int i = 0; i < kBlockRows; ++i) {
    const int half = i / 16, row = i % 16;
    const __m512i high = _mm512_load_si512(sums[2 * half][row]);
    const __m512i low = _mm512_load_si512(sums[2 * half + 1][row]);
    const __m512 dot = _mm512_cvtepi32_ps(_mm512_add_epi32(_mm512_slli_epi32(high, 8), low));
    __m512 total = _mm512_fmadd_ps(dot, _mm512_mul_ps(_mm512_set1_ps(scale[i]), step), _mm512_load_ps(totals[i]));
    _mm512_store_ps(totals[i], _mm512_fmadd_ps(_mm512_set1_ps(bias[i]), sum, total));
  }
}

// One block of up to 32 rows against every token of x. Group by group: the group's weight tiles
// stay loaded while the token blocks stream past, and each block's sums are scaled while the
// tile unit works on the next block's.
void block_times_tokens(const WeightMatrix& w, const QuantizedTokens& x, const UnpackedRows& a, int rows, float* out,
                        std::size_t out_stride) {
  const int step_cols = x.step_cols;
  const int steps_per_group = w.group_size / step_cols;
  const int groups = w.cols / w.group_size;
  const std::size_t padded = static_cast<std::size_t>(x.blocks()) * 16;
  alignas(64) TileSums sums[2];
  thread_local std::vector<float> totals_storage;
  totals_storage.assign(static_cast<std::size_t>(x.blocks()) * kBlockRows * 16 + 16, 0.0f);
  // 64-byte aligned rows of 16 floats: [block][row].
  auto* totals = reinterpret_cast<float (*)[16]>((reinterpret_cast<std::uintptr_t>(totals_storage.data()) + 63) & ~std::uintptr_t{63});
  for (int g = 0; g < groups; ++g) {
    const float* scale = a.scales.data() + static_cast<std::size_t>(g) * kBlockRows;
    const float* bias = a.biases.data() + static_cast<std::size_t>(g) * kBlockRows;
    const float* step = x.step.data() + static_cast<std::size_t>(g) * padded;
    const float* sum = x.sum.data() + static_cast<std::size_t>(g) * padded;
    for (int block = 0; block < x.blocks(); ++block) {
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int k = 0; k < steps_per_group; ++k) {
        const int s = g * steps_per_group + k;
        if (block == 0 || steps_per_group > 1) {
          const std::uint8_t* weights = a.values.data() + static_cast<std::size_t>(s) * kBlockRows * step_cols;
          _tile_loadd(4, weights, step_cols);
          _tile_loadd(5, weights + 16 * step_cols, step_cols);
        }
        _tile_loadd(6, x.high_tile(s, block), 64);
        _tile_loadd(7, x.low_tile(s, block), 64);
        _tile_dpbusd(0, 4, 6);
        _tile_dpbusd(1, 4, 7);
        _tile_dpbusd(2, 5, 6);
        _tile_dpbusd(3, 5, 7);
      }
      TileSums& stored = sums[block & 1];
      _tile_stored(0, stored[0], 64);
      _tile_stored(1, stored[1], 64);
      _tile_stored(2, stored[2], 64);
      _tile_stored(3, stored[3], 64);
      if (block > 0) add_group(sums[(block - 1) & 1], step + (block - 1) * 16, sum + (block - 1) * 16, scale, bias, totals + (block - 1) * kBlockRows);
    }
    const int last = x.blocks() - 1;
    add_group(sums[last & 1], step + last * 16, sum + last * 16, scale, bias, totals + last * kBlockRows);
  }
  // Out token by token: a token's sixteen rows are a column of totals, gathered in one load.
  const __m512i column = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(16));
  for (int t = 0; t < x.tokens; ++t) {
    const float* block_totals = totals[(t / 16) * kBlockRows] + t % 16;
    float* to = out + static_cast<std::size_t>(t) * out_stride;
    for (int half = 0; half * 16 < rows; ++half) {
      const __mmask16 mask = rows - half * 16 >= 16 ? __mmask16(0xFFFF) : static_cast<__mmask16>((1u << (rows - half * 16)) - 1);
      _mm512_mask_storeu_ps(to + half * 16, mask, _mm512_i32gather_ps(column, block_totals + half * 16 * 16, 4));
    }
  }
}

// Sixteen floats of a step, in the order its tiles hold them: for 4-bit weights the step's even
// columns, then its odd ones (the low and high nibbles of the packed bytes).
void ordered_step(const float* x, int step_cols, int bits, __m512* out) {
  const int pieces = step_cols / 16;
  if (bits != 4) {
    for (int i = 0; i < pieces; ++i) out[i] = _mm512_loadu_ps(x + 16 * i);
    return;
  }
  const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odds = _mm512_add_epi32(evens, _mm512_set1_epi32(1));
  for (int pair = 0; pair < pieces / 2; ++pair) {
    const __m512 a = _mm512_loadu_ps(x + 32 * pair), b = _mm512_loadu_ps(x + 32 * pair + 16);
    out[pair] = _mm512_permutex2var_ps(a, evens, b);
    out[pieces / 2 + pair] = _mm512_permutex2var_ps(a, odds, b);
  }
}

}  // namespace

// quantize_group's arithmetic, sixteen values at a time (the sum in another order), each step
// written straight into its tiles: four bytes of depth per tile row, this token's column.
void quantize_tiles(QuantizedTokens& x, const float* in, int first, int last) {
  const int cols = x.cols, group_size = x.group_size, step_cols = x.step_cols, bits = x.bits;
  const int groups = cols / group_size, steps_per_group = group_size / step_cols, pieces = step_cols / 16;
  const std::size_t padded = static_cast<std::size_t>(x.padded);
  const __m512i tile_rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(16));
  for (int t = first; t < last; ++t) {
    const float* row = in + static_cast<std::size_t>(t) * cols;
    for (int g = 0; g < groups; ++g) {
      __m512 values[8];  // a group's steps, ordered: at most 128 columns
      for (int k = 0; k < steps_per_group; ++k)
        ordered_step(row + static_cast<std::size_t>(g) * group_size + k * step_cols, step_cols, bits, values + k * pieces);
      const int count = steps_per_group * pieces;
      __m512 largest = _mm512_setzero_ps(), total = _mm512_setzero_ps();
      for (int i = 0; i < count; ++i) {
        largest = _mm512_max_ps(largest, _mm512_abs_ps(values[i]));
        total = _mm512_add_ps(total, values[i]);
      }
      const float high_step = _mm512_reduce_max_ps(largest) / 127.0f;
      const float inverse_high = high_step > 0 ? 1.0f / high_step : 0.0f;
      const std::size_t at = static_cast<std::size_t>(g) * padded + t;
      x.step[at] = high_step / 256.0f;
      x.sum[at] = _mm512_reduce_add_ps(total);
      constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
      alignas(64) std::int8_t high_bytes[128], low_bytes[128];
      for (int i = 0; i < count; ++i) {
        const __m512 h = _mm512_roundscale_ps(_mm512_mul_ps(values[i], _mm512_set1_ps(inverse_high)), kNearest);
        const __m512 rest = _mm512_sub_ps(values[i], _mm512_mul_ps(h, _mm512_set1_ps(high_step)));
        __m512 l = _mm512_roundscale_ps(_mm512_mul_ps(rest, _mm512_set1_ps(inverse_high * 256.0f)), kNearest);
        l = _mm512_min_ps(_mm512_max_ps(l, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
        _mm_store_si128(reinterpret_cast<__m128i*>(high_bytes + 16 * i), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(h)));
        _mm_store_si128(reinterpret_cast<__m128i*>(low_bytes + 16 * i), _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(l)));
      }
      for (int k = 0; k < steps_per_group; ++k) {
        const int s = g * steps_per_group + k;
        const std::size_t column = static_cast<std::size_t>(t % 16) * 4;
        const __mmask16 quads = static_cast<__mmask16>((1u << (step_cols / 4)) - 1);
        _mm512_mask_i32scatter_epi32(x.high_tile(s, t / 16) + column, quads, tile_rows, _mm512_loadu_si512(high_bytes + k * step_cols), 4);
        _mm512_mask_i32scatter_epi32(x.low_tile(s, t / 16) + column, quads, tile_rows, _mm512_loadu_si512(low_bytes + k * step_cols), 4);
      }
    }
  }
}

void affine_tokens_amx(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out, std::size_t out_stride) {
  const TileConfig config = tile_config(x.step_cols);
  _tile_loadconfig(&config);
  thread_local UnpackedRows unpacked;
  for (int r = first; r < last; r += kBlockRows) {
    const int rows = std::min(kBlockRows, last - r);
    unpacked.unpack(w, x.step_cols, r, rows);
    block_times_tokens(w, x, unpacked, rows, out + (r - first), out_stride);
  }
  _tile_release();
}

}  // namespace switchboard::local::cpu
