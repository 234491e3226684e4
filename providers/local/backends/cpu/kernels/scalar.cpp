// The reference kernels: plain loops, the same arithmetic the SIMD paths do, in the plainest order.

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

void affine_rows(const WeightMatrix& w, const QuantizedRow& x, int first, int last, float* out) {
  const int groups = w.cols / w.group_size;
  for (int r = first; r < last; ++r) {
    const std::byte* row = w.data + w.row_bytes() * static_cast<std::size_t>(r);
    float total = 0;
    for (int g = 0; g < groups; ++g) {
      std::int32_t high = 0, low = 0;
      for (int j = 0; j < w.group_size; ++j) {
        const int c = g * w.group_size + j;
        int q;
        if (w.format == WeightFormat::affine4) {
          const auto byte = static_cast<std::uint8_t>(row[c / 2]);
          q = (c & 1) ? byte >> 4 : byte & 0xF;
        } else {
          q = static_cast<std::uint8_t>(row[c]);
        }
        const int at = x.position(c);
        high += q * x.high[at];
        low += q * x.low[at];
      }
      const std::size_t group = static_cast<std::size_t>(r) * groups + g;
      const float scale = read_float(w.scales, w.scale_dtype, group);
      const float bias = read_float(w.biases, w.scale_dtype, group);
      total += scale * x.step[g] * static_cast<float>(high * 256 + low) + bias * x.sum[g];
    }
    out[r - first] = total;
  }
}

void float_rows(const WeightMatrix& w, const float* x, int first, int last, float* out) {
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (int r = first; r < last; ++r) {
    w.dequantize_row(r, row.data());
    float total = 0;
    for (int c = 0; c < w.cols; ++c) total += row[c] * x[c];
    out[r - first] = total;
  }
}

float dot(const float* a, const float* b, int n) {
  float total = 0;
  for (int i = 0; i < n; ++i) total += a[i] * b[i];
  return total;
}

void axpy(float a, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

void exp(float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] = std::exp(x[i]);
}

void swiglu(const float* gate, const float* up, float* out, int n) {
  for (int i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

// max_element's compare-and-branch chain took ~110 µs on Qwen's 151936 logits (bench_sampler):
// here a block's maximum is running maxima per lane, which the compiler keeps in vectors, and
// only the first block that holds the highest is searched for it.
std::size_t first_highest(const float* x, std::size_t n) {
  constexpr std::size_t kLanes = 16, kBlock = 1024;
  float highest = -INFINITY;
  std::size_t holder = 0;  // the first block whose maximum is `highest`
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t end = std::min(n, begin + kBlock);
    float lanes[kLanes];
    std::fill(lanes, lanes + kLanes, -INFINITY);
    std::size_t i = begin;
    for (; i + kLanes <= end; i += kLanes)
      for (std::size_t k = 0; k < kLanes; ++k) lanes[k] = x[i + k] > lanes[k] ? x[i + k] : lanes[k];
    for (; i < end; ++i) lanes[0] = x[i] > lanes[0] ? x[i] : lanes[0];
    const float block_highest = *std::max_element(lanes, lanes + kLanes);
    if (block_highest > highest) {
      highest = block_highest;
      holder = begin;
    }
  }
  for (std::size_t i = holder; i < std::min(n, holder + kBlock); ++i)
    if (x[i] == highest) return i;
  return 0;
}

}  // namespace

void dequantize_rows(const WeightMatrix& w, int first, int last, float* out) {
  for (int r = first; r < last; ++r) w.dequantize_row(r, out + static_cast<std::size_t>(r - first) * w.cols);
}

const Kernels kScalarKernels{KernelPath::scalar, affine_rows, float_rows, dot, axpy, exp, first_highest, swiglu, attend_gathered<dot, axpy, exp>, to_half_scalar, dequantize_rows, nullptr, TokenLayout::none,
                             RowLayout::int8_parts};

}  // namespace switchboard::local::cpu
