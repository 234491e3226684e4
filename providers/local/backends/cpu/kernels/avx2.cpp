// The AVX2 kernels (with FMA and F16C): decode's byte products with vpmaddubsw, 64 columns a block;
// prefill's token products on int16 with vpmaddwd.

#include "backends/cpu/kernels/intrinsics.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

inline float reduce(__m256 v) {
  const __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 sum2 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  return _mm_cvtss_f32(_mm_add_ss(sum2, _mm_movehdup_ps(sum2)));
}

// The lane sums of eight vectors, as one vector: element i is the sum of v[i]'s lanes.
inline __m256 reduce8(const __m256* v) {
  const __m256 pairs01 = _mm256_hadd_ps(v[0], v[1]), pairs23 = _mm256_hadd_ps(v[2], v[3]);
  const __m256 pairs45 = _mm256_hadd_ps(v[4], v[5]), pairs67 = _mm256_hadd_ps(v[6], v[7]);
  // Each 128-bit half now holds rows 0..3 (or 4..7) summed over that half's lanes.
  const __m256 quads0123 = _mm256_hadd_ps(pairs01, pairs23), quads4567 = _mm256_hadd_ps(pairs45, pairs67);
  return _mm256_add_ps(_mm256_permute2f128_ps(quads0123, quads4567, 0x20), _mm256_permute2f128_ps(quads0123, quads4567, 0x31));
}

// The first `count` lanes set (all when count ≥ 8): masks for a partial vector's loads and stores.
inline __m256i first_lanes(int count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Stores v's first `count` lanes (count ≤ 8); only a partial vector is masked, since a masked
// store costs several plain ones on AMD's cores.
inline void store_first(__m256 v, int count, float* out) {
  if (count == 8) _mm256_storeu_ps(out, v);
  else _mm256_maskstore_ps(out, first_lanes(count), v);
}

// Stores the lane sums of v[0..count) (count ≤ 8) to out.
inline void store_sums(__m256* v, int count, float* out) {
  for (int i = count; i < 8; ++i) v[i] = _mm256_setzero_ps();
  store_first(reduce8(v), count, out);
}

inline __m256 load_group_values(const std::byte* values, DType dtype, std::size_t index) {
  switch (dtype) {
    case DType::f32: return _mm256_loadu_ps(reinterpret_cast<const float*>(values) + index);
    case DType::f16: return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(values + index * 2)));
    default:
      return _mm256_castsi256_ps(
          _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(values + index * 2))), 16));
  }
}

// Up to eight group values (scales or biases) of any stored type, widened to float32; lanes past
// `count` are zero.
inline __m256 load_group_values(const std::byte* values, DType dtype, std::size_t index, int count) {
  if (count >= 8) return load_group_values(values, dtype, index);
  const std::size_t width = dtype == DType::f32 ? 4 : 2;
  alignas(32) std::byte part[32] = {};
  std::memcpy(part, values + index * width, static_cast<std::size_t>(count) * width);
  return load_group_values(part, dtype, 0);
}

// Rows' group factors (scale × the activation's step) and bias terms (bias × Σx), worked out
// for eight rows at a time: their scales lie side by side, 8 · groups of them, whole vectors of
// eight with no partial load (a partial load per row stalled on store forwarding, and cost as much
// as the products on rows of 896 columns). A vector starting at any group of a row reads step
// and sum through `step_cycle` and `sum_cycle`: x's values repeated, cycle[j] = x[j mod groups].
class RowFactors {
 public:
  static constexpr int kRows = 8;

  RowFactors(const WeightMatrix& w, const QuantizedRow& x, int group_size) : w_(w), groups_(w.cols / group_size) {
    thread_local std::vector<float> storage;
    const std::size_t batch = static_cast<std::size_t>(kRows) * groups_ + 8, cycle = static_cast<std::size_t>(groups_) + 8;
    storage.resize(2 * batch + 2 * cycle);
    factor_ = storage.data();
    bias_ = factor_ + batch;
    step_cycle_ = bias_ + batch;
    sum_cycle_ = step_cycle_ + cycle;
    for (int j = 0; j < groups_ + 8; ++j) {
      step_cycle_[j] = x.step[static_cast<std::size_t>(j % groups_)];
      sum_cycle_[j] = x.sum[static_cast<std::size_t>(j % groups_)];
    }
  }

  // Computes rows first..first + count (count ≤ kRows).
  void compute(int first, int count) {
    const int values = count * groups_;
    const std::size_t begin = static_cast<std::size_t>(first) * groups_;
    // The phase steps on by subtraction: a % here was an integer division on every step's
    // critical path, a fifth of the 0.5B shape's in-cache product time.
    for (int i = 0, phase = 0; i < values; i += 8) {
      const int n = std::min(8, values - i);
      const __m256 scales = load_group_values(w_.scales, w_.scale_dtype, begin + i, n);
      const __m256 biases = load_group_values(w_.biases, w_.scale_dtype, begin + i, n);
      _mm256_storeu_ps(factor_ + i, _mm256_mul_ps(scales, _mm256_loadu_ps(step_cycle_ + phase)));
      _mm256_storeu_ps(bias_ + i, _mm256_mul_ps(biases, _mm256_loadu_ps(sum_cycle_ + phase)));
      for (phase += 8; phase >= groups_;) phase -= groups_;
    }
  }

  // The i-th computed row's factors, one per group.
  const float* factors(int i) const { return factor_ + static_cast<std::size_t>(i) * groups_; }

  // The i-th computed row's bias terms, summed into a vector whose lanes add up to Σ bias · Σx.
  __m256 bias_terms(int i) const {
    const float* terms = bias_ + static_cast<std::size_t>(i) * groups_;
    __m256 total = _mm256_setzero_ps();
    int g = 0;
    for (; g + 8 <= groups_; g += 8) total = _mm256_add_ps(total, _mm256_loadu_ps(terms + g));
    if (g < groups_) {
      const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256 wanted = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(groups_ - g), lanes));
      total = _mm256_add_ps(total, _mm256_and_ps(wanted, _mm256_loadu_ps(terms + g)));  // the storage has 8 floats to spare
    }
    return total;
  }

 private:
  const WeightMatrix& w_;
  int groups_;
  float *factor_, *bias_, *step_cycle_, *sum_cycle_;
};

inline __m256i load(const std::int16_t* x) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)); }

// 64 columns of a 4-bit row (32 packed bytes at q) times x's joined values of those columns
// (QuantizedRow's int16_words order), as 8 int32 lanes, lane k holding columns 8k..8k+7. A 16-bit
// word of the row holds 4 columns, one per nibble; each nibble, moved to the bottom of its word,
// meets its 16 columns' values in one vpmaddwd: 4 multiplies a block, where byte products of the
// two int8 parts took 4 vpmaddubsw and 2 vpmaddwd to widen them.
inline __m256i block_dot(const std::byte* q, const std::int16_t* x) {
  const __m256i nibble = _mm256_set1_epi16(0x000F);
  const __m256i words = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  const __m256i n0 = _mm256_and_si256(words, nibble);
  const __m256i n1 = _mm256_and_si256(_mm256_srli_epi16(words, 4), nibble);
  const __m256i n2 = _mm256_and_si256(_mm256_srli_epi16(words, 8), nibble);
  const __m256i n3 = _mm256_srli_epi16(words, 12);
  return _mm256_add_epi32(_mm256_add_epi32(_mm256_madd_epi16(n0, load(x)), _mm256_madd_epi16(n1, load(x + 16))),
                          _mm256_add_epi32(_mm256_madd_epi16(n2, load(x + 32)), _mm256_madd_epi16(n3, load(x + 48))));
}

// The factor vector of block b's eight lanes: one group's, or for 32-column groups two (lanes
// 4..7 hold columns 32..63, the next group).
template <int Group>
inline __m256 block_factor(const float* factor, int b) {
  if constexpr (Group == 32) return _mm256_blend_ps(_mm256_set1_ps(factor[2 * b]), _mm256_set1_ps(factor[2 * b + 1]), 0xF0);
  else return _mm256_set1_ps(factor[b / (Group / 64)]);
}

// How far ahead of the products decode asks for weight bytes. The hardware prefetcher alone
// left a core streaming 8-10 GB/s; 1-4 KiB ahead all measured 10-12 (backend_stream, lm_head).
constexpr int kPrefetchAhead = 2048;

// Rows first..last of w, eight at a time: their factors worked out together, then
// row_product(row bytes, group factors, accumulator) per row, whose lanes sum to its output.
// The accumulator starts with the row's bias terms.
template <typename RowProduct>
void for_row_batches(const WeightMatrix& w, const QuantizedRow& x, int group_size, int first, int last, float* out,
                     RowProduct row_product) {
  RowFactors factors(w, x, group_size);
  const std::size_t row_bytes = w.row_bytes();
  for (int batch = first; batch < last; batch += RowFactors::kRows) {
    const int count = std::min(RowFactors::kRows, last - batch);
    factors.compute(batch, count);
    __m256 sums[RowFactors::kRows];
    for (int i = 0; i < count; ++i)
      sums[i] = row_product(w.data + row_bytes * static_cast<std::size_t>(batch + i), factors.factors(i), factors.bias_terms(i));
    store_sums(sums, count, out + (batch - first));
  }
}

// 4-bit rows, one at a time: not several side by side as on AVX-512, where rows of a few hundred
// bytes make streams too short for the hardware prefetcher, and decode streamed its weights
// slower (backend_stream) that way. Blocks go two at a time (a cache line), into two
// accumulators; 128-column groups add the two blocks' integers and convert once.
template <int Group>
void affine4_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const int blocks = w.cols / 64;
  const std::int16_t* values = x.joined.data();
  for_row_batches(w, x, Group, first, last, out, [&](const std::byte* row, const float* factor, __m256 acc) {
    __m256 other = _mm256_setzero_ps();
    int b = 0;
    for (; b + 2 <= blocks; b += 2) {
      const std::byte* q = row + b * 32;
      _mm_prefetch(reinterpret_cast<const char*>(q) + kPrefetchAhead, _MM_HINT_T0);
      const __m256i first_dot = block_dot(q, values + b * 64), second_dot = block_dot(q + 32, values + b * 64 + 64);
      if constexpr (Group == 128) {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(first_dot, second_dot)), _mm256_set1_ps(factor[b / 2]), acc);
      } else {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first_dot), block_factor<Group>(factor, b), acc);
        other = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second_dot), block_factor<Group>(factor, b + 1), other);
      }
    }
    if (b < blocks) acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(block_dot(row + b * 32, values + b * 64)), block_factor<Group>(factor, b), acc);
    return _mm256_add_ps(acc, other);
  });
}

// 8-bit rows, 32 columns at a time: bytes widened to int16 meet x's joined values in vpmaddwd
// (255 · 32639 twice fits an int32 lane).
template <int Group>
void affine8_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const int halves = w.cols / 32;
  const std::int16_t* values = x.joined.data();
  for_row_batches(w, x, Group, first, last, out, [&](const std::byte* row, const float* factor, __m256 acc) {
    for (int half = 0; half < halves; ++half) {
      const std::byte* q = row + half * 32;
      _mm_prefetch(reinterpret_cast<const char*>(q) + kPrefetchAhead, _MM_HINT_T0);
      const __m256i first_columns = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
      const __m256i last_columns = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16)));
      const std::int16_t* x_half = values + half * 32;
      const __m256i dot =
          _mm256_add_epi32(_mm256_madd_epi16(first_columns, load(x_half)), _mm256_madd_epi16(last_columns, load(x_half + 16)));
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(factor[half / (Group / 32)]), acc);
    }
    return acc;
  });
}

}  // namespace

void affine_rows_words_avx2(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const bool four = w.format == WeightFormat::affine4;
  switch (w.group_size) {
    case 32: return four ? affine4_rows<32>(w, x, first, last, out) : affine8_rows<32>(w, x, first, last, out);
    case 64: return four ? affine4_rows<64>(w, x, first, last, out) : affine8_rows<64>(w, x, first, last, out);
    default: return four ? affine4_rows<128>(w, x, first, last, out) : affine8_rows<128>(w, x, first, last, out);
  }
}

namespace {

inline __m256 load8(const std::byte* row, WeightFormat format, int c) {
  switch (format) {
    case WeightFormat::bf16:
      return _mm256_castsi256_ps(
          _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * c))), 16));
    case WeightFormat::f16:
      return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 2 * c)));
    default:
      return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + c);
  }
}

void float_rows(const WeightMatrix& w, const float* x, int first, int last, float* out) {
  const int whole = w.cols / 16 * 16;
  std::vector<float> tail_row;
  for (int r = first; r < last; ++r) {
    const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(r);
    __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
    for (int c = 0; c < whole; c += 16) {
      a = _mm256_fmadd_ps(load8(row, w.format, c), _mm256_loadu_ps(x + c), a);
      b = _mm256_fmadd_ps(load8(row, w.format, c + 8), _mm256_loadu_ps(x + c + 8), b);
    }
    float total = reduce(_mm256_add_ps(a, b));
    if (whole < w.cols) {
      tail_row.resize(static_cast<std::size_t>(w.cols));
      w.dequantize_row(r, tail_row.data());
      for (int c = whole; c < w.cols; ++c) total += tail_row[c] * x[c];
    }
    out[r - first] = total;
  }
}

float dot(const float* a, const float* b, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  float total = reduce(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

void axpy(float a, const float* x, float* y, int n) {
  const __m256 scale = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(scale, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

// e^x, eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its Taylor series to r^7 (the
// remainder is below float rounding), times 2^n built in exponent bits as two halves, so that
// each half stays a normal float over the whole range (the product underflows gracefully).
inline __m256 power_of_two(__m256i n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

inline __m256 exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-104.0f)), _mm256_set1_ps(88.7f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);  // ln2 in two parts, exact then the rest
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.0f / 5040);
  for (float c : {1.0f / 720, 1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
  const __m256i whole = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(whole, 1);
  return _mm256_mul_ps(_mm256_mul_ps(p, power_of_two(half)), power_of_two(_mm256_sub_epi32(whole, half)));
}

void exp(float* x, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    float tail[8] = {};
    std::copy(x + i, x + n, tail);
    _mm256_storeu_ps(tail, exp8(_mm256_loadu_ps(tail)));
    std::copy(tail, tail + (n - i), x + i);
  }
}

// gate / (1 + e^-gate) · up, eight at a time; a last partial eight through a padded copy, as exp.
inline __m256 swiglu8(__m256 gate, __m256 up) {
  const __m256 e = exp8(_mm256_xor_ps(gate, _mm256_set1_ps(-0.0f)));
  return _mm256_mul_ps(_mm256_div_ps(gate, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), up);
}

void swiglu(const float* gate, const float* up, float* out, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, swiglu8(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {
    float gates[8] = {}, ups[8] = {};
    std::copy(gate + i, gate + n, gates);
    std::copy(up + i, up + n, ups);
    _mm256_storeu_ps(gates, swiglu8(_mm256_loadu_ps(gates), _mm256_loadu_ps(ups)));
    std::copy(gates, gates + (n - i), out + i);
  }
}

void to_half(const float* in, std::uint16_t* out, int n) {
  const __m256 largest = _mm256_set1_ps(kHalfLargest), lowest = _mm256_set1_ps(-kHalfLargest);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    // NaN as the second operand of max and min comes through them, as through std::clamp.
    const __m256 clamped = _mm256_min_ps(largest, _mm256_max_ps(lowest, _mm256_loadu_ps(in + i)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(clamped, _MM_FROUND_TO_NEAREST_INT));
  }
  to_half_scalar(in + i, out + i, n - i);
}

inline float reduce_max(__m256 v) {
  const __m128 max4 = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 max2 = _mm_max_ps(max4, _mm_movehl_ps(max4, max4));
  return _mm_cvtss_f32(_mm_max_ss(max2, _mm_movehdup_ps(max2)));
}

// Two passes: the highest, in four running maxima (a chain of one waited on vmaxps's latency);
// then where it first is. 600 KB of logits are in cache, just written by the output head.
std::size_t first_highest(const float* x, std::size_t n) {
  const __m256 lowest = _mm256_set1_ps(-INFINITY);
  __m256 best[4] = {lowest, lowest, lowest, lowest};
  std::size_t i = 0;
  // x as the first operand of vmaxps: where it is NaN the running maximum (the second) is kept.
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k) best[k] = _mm256_max_ps(_mm256_loadu_ps(x + i + 8 * k), best[k]);
  for (; i + 8 <= n; i += 8) best[0] = _mm256_max_ps(_mm256_loadu_ps(x + i), best[0]);
  float highest = reduce_max(_mm256_max_ps(_mm256_max_ps(best[0], best[1]), _mm256_max_ps(best[2], best[3])));
  for (; i < n; ++i) highest = x[i] > highest ? x[i] : highest;
  const __m256 target = _mm256_set1_ps(highest);
  for (i = 0; i + 8 <= n; i += 8) {
    const int equal = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), target, _CMP_EQ_OQ));
    if (equal) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(equal)));
  }
  for (; i < n; ++i)
    if (x[i] == highest) return i;
  return 0;
}

// Attention's vectors for key_scores.inc.
struct Vec8 {
  using Reg = __m256;
  static constexpr int kLanes = 8, kRegisters = 16;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const float* p) { return _mm256_loadu_ps(p); }
  static Reg broadcast(float x) { return _mm256_set1_ps(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  // Scores to weights in place: e^(score − highest), returning 1 / their sum. Masked loads and
  // stores only for a last partial vector: a masked store costs several plain ones on AMD's cores.
  static float softmax_weights(float* scores, int count) {
    const int whole = count / 8 * 8;
    const __m256i tail = first_lanes(count - whole);
    __m256 highest = _mm256_set1_ps(-INFINITY);
    for (int j = 0; j < whole; j += 8) highest = _mm256_max_ps(highest, _mm256_loadu_ps(scores + j));
    if (whole < count)
      highest = _mm256_max_ps(highest, _mm256_blendv_ps(highest, _mm256_maskload_ps(scores + whole, tail), _mm256_castsi256_ps(tail)));
    const __m256 top = _mm256_set1_ps(reduce_max(highest));
    __m256 totals = _mm256_setzero_ps();
    for (int j = 0; j < whole; j += 8) {
      const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + j), top));
      _mm256_storeu_ps(scores + j, e);
      totals = _mm256_add_ps(totals, e);
    }
    if (whole < count) {
      const __m256 e = exp8(_mm256_sub_ps(_mm256_maskload_ps(scores + whole, tail), top));
      _mm256_maskstore_ps(scores + whole, tail, e);
      totals = _mm256_add_ps(totals, _mm256_and_ps(e, _mm256_castsi256_ps(tail)));
    }
    return 1.0f / reduce(totals);
  }
};

#include "backends/cpu/kernels/key_scores.inc"

// Positions whose values stay in L1 (4 KiB of 64-wide heads) while every query takes its
// weighted sum of them: one query after another over all positions read them once per query,
// from L2 or memory once a long context no longer fit.
constexpr int kValueBlock = 32;

// Asks for the values of positions first..first+count ahead of use. It mattered most when a
// head's rows were strided by every head's (the hardware prefetcher alone read ~4 GB/s past the
// L3); with a head's rows side by side it still helped a little (attend, cold, 640 positions:
// 37 µs against 40 without).
template <int Pieces>
inline void prefetch_values(const HeadCache& cache, int first, int count) {
  for (int j = first; j < first + count; ++j) {
    const std::uint16_t* row = cache.value(j);
    for (int line = 0; line < Pieces * 8; line += 32) _mm_prefetch(reinterpret_cast<const char*>(row + line), _MM_HINT_T0);
  }
}

// Heads of Pieces × 8 dimensions, the query heads that share a KV head together: their softmax
// weights from the key blocks (key_scores.inc), then the values a block of positions at a time,
// each block read once for all the queries, and a query's sums kept in `out` between blocks (a
// float round trip, exact). A query's arithmetic is the same whatever the others: its sums run
// over positions in order.
template <int Pieces>
void attend_shared(const float* q, int queries, const HeadCache& cache, int first_position, int count, float scale, float softcap,
                   float* out) {
  constexpr int dim = Pieces * 8;
  const SoftmaxWeights softmax = softmax_weights_of<Vec8>(q, queries, cache, first_position, count, scale, softcap);
  std::fill(out, out + static_cast<std::size_t>(queries) * dim, 0.0f);
  constexpr int kHeld = std::min(Pieces, 8);  // sums held in registers at once
  for (int block = 0; block < count; block += kValueBlock) {
    const int end = std::min(count, block + kValueBlock);
    const int ahead = std::clamp(count - end, 0, kValueBlock);
    for (int i = 0; i < queries; ++i) {
      // The next block's values asked for a share per query: asked in one burst at the block's
      // start they queued behind each other (attend, cold: 640 positions 34 -> 28.5 µs, 2048
      // positions 120 -> 98).
      const int from = end + ahead * i / queries, to = end + ahead * (i + 1) / queries;
      prefetch_values<Pieces>(cache, first_position + from, to - from);
      const float* weights = softmax.weights + static_cast<std::size_t>(i) * softmax.row;
      for (int first = 0; first < Pieces; first += kHeld) {
        float* sum_at = out + static_cast<std::size_t>(i) * dim + 8 * first;
        __m256 sums[kHeld];
        for (int p = 0; p < kHeld; ++p) sums[p] = _mm256_loadu_ps(sum_at + 8 * p);
        for (int j = block; j < end; ++j) {
          const __m256 weight = _mm256_set1_ps(weights[j]);
          const std::uint16_t* value = cache.value(first_position + j) + 8 * first;
          for (int p = 0; p < kHeld; ++p)
            sums[p] = _mm256_fmadd_ps(weight, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(value + 8 * p))), sums[p]);
        }
        for (int p = 0; p < kHeld; ++p) _mm256_storeu_ps(sum_at + 8 * p, sums[p]);
      }
    }
  }
  for (int i = 0; i < queries; ++i) {
    const __m256 inverse = _mm256_set1_ps(softmax.inverses[i]);
    for (int p = 0; p < Pieces; ++p) {
      float* at = out + static_cast<std::size_t>(i) * dim + 8 * p;
      _mm256_storeu_ps(at, _mm256_mul_ps(_mm256_loadu_ps(at), inverse));
    }
  }
}

void attend(const float* q, int queries, const HeadCache& cache, int first, int count, float scale, float softcap, float* out) {
  switch (cache.dim) {
    case 64: return attend_shared<8>(q, queries, cache, first, count, scale, softcap, out);
    case 128: return attend_shared<16>(q, queries, cache, first, count, scale, softcap, out);
    default: return attend_gathered<dot, axpy, exp>(q, queries, cache, first, count, scale, softcap, out);
  }
}

// Prefill (the frame: affine_tokens_int16 in kernels.hpp). Tokens lie in the lanes: a weight's
// column pair, broadcast, meets 8 tokens' joined activations (256·high + low) in one vpmaddwd,
// the two-part product of 2 columns × 8 tokens. Four rows × 16 tokens at a time: eight int32
// accumulators, whose lanes are tokens, so each group's sums are scaled in place with no
// horizontal reduction.

// Rows first..first+count, columns from..from+cols of w as int16, [row][kTokenSliceCols]; rows past
// count are zero.
void unpack_slice(const WeightMatrix& w, int first, int count, int from, int cols, std::int16_t* to) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  for (int i = 0; i < kTokenBlockRows; ++i) {
    std::int16_t* out = to + i * kTokenSliceCols;
    if (i >= count) {
      std::fill(out, out + cols, std::int16_t{0});
      continue;
    }
    const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(first + i);
    if (w.format == WeightFormat::affine8) {
      for (int c = 0; c < cols; c += 16)
        _mm256_store_si256(reinterpret_cast<__m256i*>(out + c),
                           _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + from + c))));
      continue;
    }
    for (int c = 0; c < cols; c += 64) {  // 32 packed bytes: low nibbles the even columns, high the odd
      const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + (from + c) / 2));
      const __m256i evens = _mm256_and_si256(packed, nibble), odds = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
      // Interleaved: columns 0-15 | 32-47 and 16-31 | 48-63 (per 128-bit lane).
      const __m256i a = _mm256_unpacklo_epi8(evens, odds), b = _mm256_unpackhi_epi8(evens, odds);
      const __m256i low_half = _mm256_permute2x128_si256(a, b, 0x20), high_half = _mm256_permute2x128_si256(a, b, 0x31);
      const __m128i pieces[4] = {_mm256_castsi256_si128(low_half), _mm256_extracti128_si256(low_half, 1),
                                 _mm256_castsi256_si128(high_half), _mm256_extracti128_si256(high_half, 1)};
      for (int k = 0; k < 4; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(out + c + 16 * k), _mm256_cvtepu8_epi16(pieces[k]));
    }
  }
}

// sum += products, in sum's own register. GCC 12 writes the sum into the products' register and
// copies it back, a move per accumulator per step: 8 of the inner loop's 30 instructions.
inline void accumulate(__m256i& sum, __m256i products) { asm("vpaddd %1, %0, %0" : "+x"(sum) : "x"(products)); }

// A column pair (two int16, one int32) of a row in every lane.
inline __m256i broadcast_pair(const std::int16_t* values) {
  std::int32_t pair;
  std::memcpy(&pair, values, 4);
  return _mm256_set1_epi32(pair);
}

// Rows r..r+3 of the unpacked slice times a block of 16 tokens: a TokenRowsKernel (kernels.hpp).
template <int Group>
void quad_times_tokens(const std::int16_t* weights, const std::int16_t* x, int groups, const float* scales, const float* biases,
                       std::size_t factor_stride, const float* steps, const float* sums, std::size_t padded, float (*totals)[16]) {
  for (int g = 0; g < groups; ++g) {
    const std::int16_t* w = weights + g * Group;
    const std::int16_t* pairs = x + static_cast<std::size_t>(g) * (Group / 2) * kTokenPairStride;
    __m256i a0 = _mm256_setzero_si256(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
    for (int p = 0; p < Group / 2; ++p) {
      const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs + p * kTokenPairStride));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs + p * kTokenPairStride + 16));
      const __m256i q0 = broadcast_pair(w + 2 * p), q1 = broadcast_pair(w + kTokenSliceCols + 2 * p);
      const __m256i q2 = broadcast_pair(w + 2 * kTokenSliceCols + 2 * p), q3 = broadcast_pair(w + 3 * kTokenSliceCols + 2 * p);
      accumulate(a0, _mm256_madd_epi16(q0, a));
      accumulate(b0, _mm256_madd_epi16(q0, b));
      accumulate(a1, _mm256_madd_epi16(q1, a));
      accumulate(b1, _mm256_madd_epi16(q1, b));
      accumulate(a2, _mm256_madd_epi16(q2, a));
      accumulate(b2, _mm256_madd_epi16(q2, b));
      accumulate(a3, _mm256_madd_epi16(q3, a));
      accumulate(b3, _mm256_madd_epi16(q3, b));
    }
    const __m256i acc[4][2] = {{a0, b0}, {a1, b1}, {a2, b2}, {a3, b3}};
    const std::size_t at = static_cast<std::size_t>(g) * padded;
    for (int half = 0; half < 2; ++half) {
      const __m256 step = _mm256_loadu_ps(steps + at + 8 * half), sum = _mm256_loadu_ps(sums + at + 8 * half);
      for (int i = 0; i < 4; ++i) {
        float* total = totals[i] + 8 * half;
        const __m256 factor = _mm256_mul_ps(_mm256_set1_ps(scales[i * factor_stride + g]), step);
        const __m256 scaled = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[i][half]), factor, _mm256_loadu_ps(total));
        _mm256_storeu_ps(total, _mm256_fmadd_ps(_mm256_set1_ps(biases[i * factor_stride + g]), sum, scaled));
      }
    }
  }
}

// quantize_group's arithmetic eight values at a time, to the same bits (this file is compiled
// without contracted FMAs, so the parts round as there, and quantize_group sums its eight lanes
// in reduce's order): sets the group's step and sum, and hands each eight values' parts, as int32
// lanes, to place(i, high, low) for the i-th eight.
template <typename Place>
inline void quantize_group_parts(const float* values, int group_size, float& step, float& sum, Place place) {
  const int pieces = group_size / 8;
  const __m256 sign = _mm256_set1_ps(-0.0f);
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  __m256 largest = _mm256_setzero_ps(), total = _mm256_setzero_ps();
  for (int i = 0; i < pieces; ++i) {
    const __m256 v = _mm256_loadu_ps(values + 8 * i);
    largest = _mm256_max_ps(largest, _mm256_andnot_ps(sign, v));
    total = _mm256_add_ps(total, v);
  }
  __m128 top = _mm_max_ps(_mm256_castps256_ps128(largest), _mm256_extractf128_ps(largest, 1));
  top = _mm_max_ps(top, _mm_movehl_ps(top, top));
  top = _mm_max_ss(top, _mm_movehdup_ps(top));
  const float high_step = _mm_cvtss_f32(top) / 127.0f;
  const float inverse_high = high_step > 0 ? 1.0f / high_step : 0.0f;
  step = high_step / 256.0f;
  sum = reduce(total);
  const __m256 to_high = _mm256_set1_ps(inverse_high), to_low = _mm256_set1_ps(inverse_high * 256.0f);
  const __m256 high_size = _mm256_set1_ps(high_step), bound = _mm256_set1_ps(127.0f);
  for (int i = 0; i < pieces; ++i) {
    const __m256 v = _mm256_loadu_ps(values + 8 * i);
    const __m256 h = _mm256_round_ps(_mm256_mul_ps(v, to_high), kNearest);
    __m256 l = _mm256_round_ps(_mm256_mul_ps(_mm256_sub_ps(v, _mm256_mul_ps(h, high_size)), to_low), kNearest);
    l = _mm256_min_ps(_mm256_max_ps(l, _mm256_sub_ps(_mm256_setzero_ps(), bound)), bound);
    place(i, _mm256_cvtps_epi32(h), _mm256_cvtps_epi32(l));
  }
}

// The parts joined, 256·high + low, as int32 lanes.
inline __m256i joined_parts(__m256i high, __m256i low) { return _mm256_add_epi32(_mm256_slli_epi32(high, 8), low); }

// Eight int32 lanes (each within int8) as eight bytes in the low half of a vector.
inline __m128i lanes_to_bytes(__m256i lanes) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(lanes), _mm256_extracti128_si256(lanes, 1));
  return _mm_packs_epi16(words, words);
}

}  // namespace

// Each column pair of each token written into its token block.
void quantize_joined(QuantizedTokens& x, const float* in, int first, int last) {
  const int groups = x.cols / x.group_size;
  for (int t = first; t < last; ++t) {
    for (int g = 0; g < groups; ++g) {
      const float* values = in + static_cast<std::size_t>(t) * x.cols + static_cast<std::size_t>(g) * x.group_size;
      const std::size_t at = static_cast<std::size_t>(g) * x.padded + t;
      quantize_group_parts(values, x.group_size, x.step[at], x.sum[at], [&](int i, __m256i high, __m256i low) {
        const __m256i joined = joined_parts(high, low);
        // Four column pairs: the int16 of each pair are one int32 in its token block.
        const __m256i packed = _mm256_packs_epi32(joined, joined);  // per 128-bit lane: values 0-3 | 4-7
        const int pair = (g * x.group_size + 8 * i) / 2;
        std::int16_t* block = x.joined.data() + x.joined_at(pair, t);
        alignas(32) std::int32_t pairs[8];
        _mm256_store_si256(reinterpret_cast<__m256i*>(pairs), packed);
        // pairs[0], pairs[1]: values 0-3 as two int16 pairs; pairs[4], pairs[5]: values 4-7.
        const std::int32_t in_order[4] = {pairs[0], pairs[1], pairs[4], pairs[5]};
        for (int k = 0; k < 4; ++k) std::memcpy(block + 32 * k, &in_order[k], 4);
      });
    }
  }
}

// A decode row in RowLayout::int16_words or int16_wide_words. For 4-bit rows, eight columns
// 8j..8j+7 of a chunk land as pairs (8j + r, 8j + 4 + r) at run r's 2j, runs chunk / 4 apart: the
// int16 of each pair are one int32.
void quantize_words(QuantizedRow& x, const float* in) {
  // Locals for x's fields, as in quantize_parts.
  const int groups = x.cols / x.group_size, group_size = x.group_size, chunk = x.chunk, run = chunk / 4;
  const bool four_bits = x.bits == 4;
  float* steps = x.step.data();
  float* sums = x.sum.data();
  const __m128i pair_order = _mm_setr_epi8(0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15);
  std::int16_t* out = x.joined.data();
  for (int g = 0; g < groups; ++g) {
    const int base = g * group_size;
    quantize_group_parts(in + base, group_size, steps[g], sums[g], [&](int i, __m256i high, __m256i low) {
      const int column = base + 8 * i;
      const __m256i joined = joined_parts(high, low);
      const __m128i values = _mm_packs_epi32(_mm256_castsi256_si128(joined), _mm256_extracti128_si256(joined, 1));
      if (!four_bits) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + column), values);
        return;
      }
      alignas(16) std::int32_t pairs[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(pairs), _mm_shuffle_epi8(values, pair_order));
      std::int16_t* block = out + (column - column % chunk) + 2 * ((column % chunk) / 8);
      for (int r = 0; r < 4; ++r) std::memcpy(block + run * r, &pairs[r], 4);
    });
  }
}

// A decode row in RowLayout::int8_parts, as quantized_row.cpp's scalar code writes it, to the
// bit: for 4-bit rows, of eight columns 8j..8j+7 the four even ones land at 4j of their chunk's
// first half and the odd ones at 4j of its second.
void quantize_parts(QuantizedRow& x, const float* in) {
  // Locals, not x's fields: a store through an int8_t pointer may alias them, and they would be
  // loaded again after every store.
  const int groups = x.cols / x.group_size, group_size = x.group_size, chunk = x.chunk, half = chunk / 2;
  const bool four_bits = x.bits == 4;
  float* steps = x.step.data();
  float* sums = x.sum.data();
  const __m128i evens_first = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  std::int8_t* high_out = x.high.data();
  std::int8_t* low_out = x.low.data();
  for (int g = 0; g < groups; ++g) {
    const int base = g * group_size;
    quantize_group_parts(in + base, group_size, steps[g], sums[g], [&](int i, __m256i high, __m256i low) {
      const int column = base + 8 * i;
      const __m128i high_bytes = lanes_to_bytes(high), low_bytes = lanes_to_bytes(low);
      if (!four_bits) {
        _mm_storel_epi64(reinterpret_cast<__m128i*>(high_out + column), high_bytes);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(low_out + column), low_bytes);
        return;
      }
      const int chunk_start = column - column % chunk, even_at = chunk_start + (column % chunk) / 2;
      const auto deal = [&](__m128i bytes, std::int8_t* out) {
        const std::int64_t dealt = _mm_cvtsi128_si64(_mm_shuffle_epi8(bytes, evens_first));
        std::memcpy(out + even_at, &dealt, 4);
        std::memcpy(out + even_at + half, reinterpret_cast<const char*>(&dealt) + 4, 4);
      };
      deal(high_bytes, high_out);
      deal(low_bytes, low_out);
    });
  }
}

namespace {

// Asks for the packed bytes of the slice two after the one just unpacked (slices follow each other
// along a block of rows, then on to the next block's): unpack_slice reads kTokenBlockRows short
// pieces of rows, which the hardware prefetcher does not run ahead of, and they came from memory
// while the products waited. Asked for one slice ahead, 512-token prefill ran ×1.04-1.05; two
// ahead, ×1.05-1.07 more; four ahead no better than one (bench_pair, 3 rounds each).
constexpr int kSlicesAhead = 2;

void prefetch_slice_ahead(const WeightMatrix& w, int r, int last, int from) {
  const int slices_per_block = (w.cols + kTokenSliceCols - 1) / kTokenSliceCols;
  from += kSlicesAhead * kTokenSliceCols;
  while (from >= w.cols) {
    r += kTokenBlockRows;
    from -= slices_per_block * kTokenSliceCols;
  }
  const int rows = std::min(kTokenBlockRows, last - r);
  const std::size_t bytes = static_cast<std::size_t>(std::min(kTokenSliceCols, w.cols - from)) * w.bits() / 8;
  for (int i = 0; i < rows; ++i) {
    const std::byte* piece = w.data + w.row_bytes() * static_cast<std::size_t>(r + i) + static_cast<std::size_t>(from) * w.bits() / 8;
    for (std::size_t offset = 0; offset < bytes; offset += 64) _mm_prefetch(reinterpret_cast<const char*>(piece + offset), _MM_HINT_T0);
  }
}

// v[i] holds row i's values of eight tokens; afterwards v[j] holds token j's values of the eight rows.
inline void transpose8(__m256* v) {
  __m256 pairs[8], quads[8];
  for (int i = 0; i < 8; i += 2) {
    pairs[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
    pairs[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
  }
  for (int i = 0; i < 8; i += 4)
    for (int k = 0; k < 2; ++k) {
      quads[i + k] = _mm256_shuffle_ps(pairs[i + k], pairs[i + k + 2], 0x44);
      quads[i + k + 2] = _mm256_shuffle_ps(pairs[i + k], pairs[i + k + 2], 0xEE);
    }
  // quads[order[j]] holds token j's rows 0..3 in its low half and token j + 4's in its high half;
  // quads[4 + order[j]] the same of rows 4..7.
  const int order[4] = {0, 2, 1, 3};
  for (int j = 0; j < 4; ++j) {
    v[j] = _mm256_permute2f128_ps(quads[order[j]], quads[4 + order[j]], 0x20);
    v[j + 4] = _mm256_permute2f128_ps(quads[order[j]], quads[4 + order[j]], 0x31);
  }
}

// Writes one token block's totals ([row][16 tokens]) to `out` ([token][row], rows `stride` apart),
// eight rows of eight tokens at a time: a token's rows leave in one or two vectors rather than
// sixteen single floats, each token's line a different one. perf put 7 % of a product's samples
// on the scalar copy; the product ran ×1.007-1.014 without it (bench_cpu_kernels, interleaved).
void store_transposed(const float* totals, int rows, int tokens, float* out, std::size_t stride) {
  for (int t = 0; t < tokens; t += 8)
    for (int row = 0; row < rows; row += 8) {
      __m256 v[8];
      for (int i = 0; i < 8; ++i) v[i] = _mm256_loadu_ps(totals + (row + i) * 16 + t);
      transpose8(v);
      for (int j = 0; j < std::min(8, tokens - t); ++j) store_first(v[j], std::min(8, rows - row), out + (t + j) * stride + row);
    }
}

}  // namespace

void affine_tokens_int16(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out, std::size_t out_stride,
                         TokenRowsKernel rows_times_tokens, int kernel_rows) {
  const int groups = w.cols / w.group_size, blocks = x.blocks();
  alignas(32) thread_local std::int16_t unpacked[kTokenBlockRows * kTokenSliceCols];
  thread_local std::vector<float> scales, biases;  // [kTokenBlockRows][factor_stride]
  thread_local std::vector<float> totals;          // [token block][row][16 tokens]
  const std::size_t factor_stride = (static_cast<std::size_t>(groups) + 7) / 8 * 8;  // whole eights, written as vectors
  scales.resize(factor_stride * kTokenBlockRows);
  biases.resize(scales.size());
  totals.resize(static_cast<std::size_t>(blocks) * kTokenBlockRows * 16);
  for (int r = first; r < last; r += kTokenBlockRows) {
    const int rows = std::min(kTokenBlockRows, last - r);
    std::fill(scales.begin() + static_cast<std::ptrdiff_t>(rows * factor_stride), scales.end(), 0.0f);
    std::fill(biases.begin() + static_cast<std::ptrdiff_t>(rows * factor_stride), biases.end(), 0.0f);
    for (int i = 0; i < rows; ++i)
      for (int g = 0; g < groups; g += 8) {
        const std::size_t index = static_cast<std::size_t>(r + i) * groups + g;
        const int count = std::min(8, groups - g);
        _mm256_storeu_ps(scales.data() + i * factor_stride + g, load_group_values(w.scales, w.scale_dtype, index, count));
        _mm256_storeu_ps(biases.data() + i * factor_stride + g, load_group_values(w.biases, w.scale_dtype, index, count));
      }
    std::fill(totals.begin(), totals.end(), 0.0f);
    const int calls = (rows + kernel_rows - 1) / kernel_rows;
    for (int from = 0; from < w.cols; from += kTokenSliceCols) {
      const int cols = std::min(kTokenSliceCols, w.cols - from);
      unpack_slice(w, r, rows, from, cols, unpacked);
      prefetch_slice_ahead(w, r, last, from);
      const int first_group = from / w.group_size;
      // Token blocks outside: a block's slice (8 KiB) is read from L2 once and stays in L1 with
      // the rows while every call's rows take it.
      for (int block = 0; block < blocks; ++block) {
        const std::int16_t* tokens = x.joined_pair(from / 2, block * 16);
        const std::size_t at = static_cast<std::size_t>(first_group) * x.padded + block * 16;
        for (int call = 0; call < calls; ++call) {
          const int row = call * kernel_rows;
          rows_times_tokens(unpacked + row * kTokenSliceCols, tokens, cols / w.group_size, scales.data() + row * factor_stride + first_group,
                            biases.data() + row * factor_stride + first_group, factor_stride, x.step.data() + at, x.sum.data() + at,
                            static_cast<std::size_t>(x.padded),
                            reinterpret_cast<float (*)[16]>(totals.data() + (static_cast<std::size_t>(block) * kTokenBlockRows + row) * 16));
        }
      }
    }
    for (int block = 0; block < blocks; ++block)
      store_transposed(totals.data() + static_cast<std::size_t>(block) * kTokenBlockRows * 16, rows, std::min(16, x.tokens - 16 * block),
                       out + static_cast<std::size_t>(16 * block) * out_stride + (r - first), out_stride);
  }
}

void affine_tokens_avx2(const WeightMatrix& w, const QuantizedTokens& x, int first, int last, float* out, std::size_t out_stride) {
  switch (w.group_size) {
    case 32: return affine_tokens_int16(w, x, first, last, out, out_stride, quad_times_tokens<32>, 4);
    case 64: return affine_tokens_int16(w, x, first, last, out, out_stride, quad_times_tokens<64>, 4);
    default: return affine_tokens_int16(w, x, first, last, out, out_stride, quad_times_tokens<128>, 4);
  }
}

const Kernels kAvx2Kernels{KernelPath::avx2, affine_rows_words_avx2, float_rows, dot, axpy, exp, first_highest, swiglu, attend, to_half, dequantize_rows, affine_tokens_avx2,
                           TokenLayout::int16_pairs, RowLayout::int16_words};

}  // namespace switchboard::local::cpu
