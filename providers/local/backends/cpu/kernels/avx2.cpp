// The AVX2 kernels (with FMA and F16C): byte products with vpmaddubsw, 64 columns a block.

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

inline float reduce(__m256 v) {
  const __m128 sum4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 sum2 = _mm_add_ps(sum4, _mm_movehl_ps(sum4, sum4));
  return _mm_cvtss_f32(_mm_add_ss(sum2, _mm_movehdup_ps(sum2)));
}

inline __m256i byte_dot(__m256i q, const std::int8_t* x) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x))), _mm256_set1_epi16(1));
}

// 16 unsigned bytes times 16 signed ones, widened to int16 (no saturation at 255 · 127).
inline __m256i wide_dot(const std::byte* q, const std::int8_t* x) {
  const __m256i q16 = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q)));
  const __m256i x16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
  return _mm256_madd_epi16(q16, x16);
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

// row_factors, eight groups at a time, the rest one by one.
inline float row_factors_simd(const WeightMatrix& w, const QuantizedRow& x, int r, float* factor) {
  const int groups = w.cols / w.group_size;
  const std::size_t first = static_cast<std::size_t>(r) * groups;
  __m256 bias_total = _mm256_setzero_ps();
  int g = 0;
  for (; g + 8 <= groups; g += 8) {
    _mm256_storeu_ps(factor + g, _mm256_mul_ps(load_group_values(w.scales, w.scale_dtype, first + g), _mm256_loadu_ps(x.step.data() + g)));
    bias_total = _mm256_fmadd_ps(load_group_values(w.biases, w.scale_dtype, first + g), _mm256_loadu_ps(x.sum.data() + g), bias_total);
  }
  float total = reduce(bias_total);
  for (; g < groups; ++g) {
    factor[g] = read_float(w.scales, w.scale_dtype, first + g) * x.step[g];
    total += read_float(w.biases, w.scale_dtype, first + g) * x.sum[g];
  }
  return total;
}

template <int Group>
void affine4_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const int blocks = w.cols / 64;
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  thread_local std::vector<float> factors;
  factors.resize(static_cast<std::size_t>(w.cols / Group));
  float* factor = factors.data();
  for (int r = first; r < last; ++r) {
    const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(r);
    const float bias_total = row_factors_simd(w, x, r, factor);
    __m256 acc = _mm256_setzero_ps();
    for (int b = 0; b < blocks; ++b) {
      const __m256i packed = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + b * 32));
      const __m256i evens = _mm256_and_si256(packed, nibble);
      const __m256i odds = _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble);
      // This block's evens and odds within its chunk (see QuantizedRow).
      const int base = b * 64 - (b * 64) % x.chunk, within = (b * 64) % x.chunk / 2;
      const int even_at = base + within, odd_at = base + x.chunk / 2 + within;
      const __m256i h = _mm256_add_epi32(byte_dot(evens, x.high.data() + even_at), byte_dot(odds, x.high.data() + odd_at));
      const __m256i l = _mm256_add_epi32(byte_dot(evens, x.low.data() + even_at), byte_dot(odds, x.low.data() + odd_at));
      const __m256i dot = _mm256_add_epi32(_mm256_slli_epi32(h, 8), l);
      __m256 scale;
      if constexpr (Group == 32)  // lanes 4..7 hold columns 32..63: the next group
        scale = _mm256_blend_ps(_mm256_set1_ps(factor[2 * b]), _mm256_set1_ps(factor[2 * b + 1]), 0xF0);
      else
        scale = _mm256_set1_ps(factor[b / (Group / 64)]);
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), scale, acc);
    }
    out[r - first] = reduce(acc) + bias_total;
  }
}

template <int Group>
void affine8_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const int halves = w.cols / 32;
  thread_local std::vector<float> factors;
  factors.resize(static_cast<std::size_t>(w.cols / Group));
  float* factor = factors.data();
  for (int r = first; r < last; ++r) {
    const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(r);
    const float bias_total = row_factors_simd(w, x, r, factor);
    __m256 acc = _mm256_setzero_ps();
    for (int half = 0; half < halves; ++half) {
      const std::byte* q = row + half * 32;
      const std::int8_t* high = x.high.data() + half * 32;
      const std::int8_t* low = x.low.data() + half * 32;
      const __m256i h = _mm256_add_epi32(wide_dot(q, high), wide_dot(q + 16, high + 16));
      const __m256i l = _mm256_add_epi32(wide_dot(q, low), wide_dot(q + 16, low + 16));
      const __m256i dot = _mm256_add_epi32(_mm256_slli_epi32(h, 8), l);
      acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(factor[half / (Group / 32)]), acc);
    }
    out[r - first] = reduce(acc) + bias_total;
  }
}

void affine_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const bool four = w.format == WeightFormat::affine4;
  switch (w.group_size) {
    case 32: return four ? affine4_rows<32>(w, x, first, last, out) : affine8_rows<32>(w, x, first, last, out);
    case 64: return four ? affine4_rows<64>(w, x, first, last, out) : affine8_rows<64>(w, x, first, last, out);
    default: return four ? affine4_rows<128>(w, x, first, last, out) : affine8_rows<128>(w, x, first, last, out);
  }
}

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

}  // namespace

const Kernels kAvx2Kernels{KernelPath::avx2, affine_rows, float_rows, dot, axpy, exp, attend_each<attend_one<dot, axpy, exp>>, dequantize_rows, nullptr};

}  // namespace switchboard::local::cpu
