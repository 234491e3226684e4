#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

// Round to nearest (even) by the float adder: 1.5·2^23 pushes the fraction out. Vectorises,
// where std::nearbyint is a library call per value. |v| stays below 2^22 here (at most 128).
inline float round_nearest(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

}  // namespace

void quantize_group(const float* values, int count, std::int8_t* high, std::int8_t* low, float& step, float& sum) {
  // Eight running maxima and sums, lane by lane: one running sum is a chain the compiler must keep
  // in order, and the loop ran a value at a time. Group sizes are multiples of eight.
  constexpr int kLanes = 8;
  float largest_lanes[kLanes] = {}, total_lanes[kLanes] = {};
  for (int j = 0; j < count; j += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      largest_lanes[k] = std::max(largest_lanes[k], std::fabs(values[j + k]));
      total_lanes[k] += values[j + k];
    }
  float largest = 0;
  for (int k = 0; k < kLanes; ++k) largest = std::max(largest, largest_lanes[k]);
  // The lanes summed as halves, quarters, then the last two, as the vector quantizers reduce
  // theirs, so every path's sums are the same bits.
  const float quarters[4] = {total_lanes[0] + total_lanes[4], total_lanes[1] + total_lanes[5], total_lanes[2] + total_lanes[6],
                             total_lanes[3] + total_lanes[7]};
  const float total = (quarters[0] + quarters[2]) + (quarters[1] + quarters[3]);
  const float high_step = largest / 127.0f;
  const float inverse_high = high_step > 0 ? 1.0f / high_step : 0.0f;
  const float inverse_low = inverse_high * 256.0f;
  step = high_step / 256.0f;
  sum = total;
  for (int j = 0; j < count; ++j) {
    const float h = round_nearest(values[j] * inverse_high);
    const float l = std::clamp(round_nearest((values[j] - h * high_step) * inverse_low), -127.0f, 127.0f);
    high[j] = static_cast<std::int8_t>(h);
    low[j] = static_cast<std::int8_t>(l);
  }
}

int QuantizedRow::position(int column) const {
  if (bits != 4) return column;
  const int base = column - column % chunk;
  if (layout != RowLayout::int8_parts) return base + (column % 4) * (chunk / 4) + (column % chunk) / 4;
  return base + ((column & 1) ? chunk / 2 : 0) + (column % chunk) / 2;
}

void QuantizedRow::prepare(const float* x, int cols_in, int group_size_in, int bits_in, RowLayout layout_in) {
  layout = layout_in;
  cols = cols_in;
  group_size = group_size_in;
  bits = bits_in;
  chunk = cols % 128 == 0 && layout != RowLayout::int16_words ? 128 : 64;
  const int groups = cols / group_size;
  step.resize(static_cast<std::size_t>(groups));
  sum.resize(step.size());
  if (layout != RowLayout::int8_parts) {
    high.clear();
    low.clear();
    joined.resize(static_cast<std::size_t>(cols));
    quantize_words(*this, x);
    return;
  }
  joined.clear();
  high.resize(static_cast<std::size_t>(cols));
  low.resize(static_cast<std::size_t>(cols));
  // The same bits either way; the vectors take a 4864-wide row in a fraction of the time (on the
  // device's Xeon the scalar code took 13.6 µs, serial work before every down projection).
  static const bool vectors = [] {
    const auto paths = supported_paths();
    return std::find(paths.begin(), paths.end(), KernelPath::avx2) != paths.end();
  }();
  if (vectors) quantize_parts(*this, x);
  else quantize_parts_scalar(*this, x);
}

void quantize_parts_scalar(QuantizedRow& x, const float* in) {
  // Natural order first; 4-bit rows are then dealt into the nibble order.
  thread_local std::vector<std::int8_t> natural_high, natural_low;
  std::int8_t* high = x.high.data();
  std::int8_t* low = x.low.data();
  if (x.bits == 4) {
    natural_high.resize(static_cast<std::size_t>(x.cols));
    natural_low.resize(static_cast<std::size_t>(x.cols));
    high = natural_high.data();
    low = natural_low.data();
  }
  for (int g = 0; g < x.cols / x.group_size; ++g) {
    const std::size_t offset = static_cast<std::size_t>(g) * x.group_size;
    quantize_group(in + offset, x.group_size, high + offset, low + offset, x.step[g], x.sum[g]);
  }
  if (x.bits == 4) {
    const int chunk = x.chunk, cols = x.cols, half = chunk / 2;
    const auto deal = [&](const std::int8_t* natural, std::int8_t* dealt) {
      for (int base = 0; base < cols; base += chunk)
        for (int i = 0; i < half; ++i) {
          dealt[base + i] = natural[base + 2 * i];
          dealt[base + half + i] = natural[base + 2 * i + 1];
        }
    };
    deal(natural_high.data(), x.high.data());
    deal(natural_low.data(), x.low.data());
  }
}

void QuantizedTokens::reset(int tokens_in, int cols_in, int group_size_in, int bits_in, TokenLayout layout_in) {
  layout = layout_in;
  tokens = tokens_in;
  cols = cols_in;
  group_size = group_size_in;
  bits = bits_in;
  padded = (tokens + 15) / 16 * 16;
  const std::size_t factors = static_cast<std::size_t>(cols / group_size) * padded;
  // quantize() writes every value of the tokens there are; only the padding must be zeroed.
  const bool whole = tokens == padded;
  auto size = [whole](auto& values, std::size_t n) {
    if (whole) values.resize(n);
    else values.assign(n, {});
  };
  size(step, factors);
  size(sum, factors);
  if (layout == TokenLayout::amx_tiles) {
    step_cols = std::min(group_size, 64);
    const std::size_t bytes = static_cast<std::size_t>(cols / step_cols) * blocks() * tile_bytes();
    size(high, bytes);
    size(low, bytes);
  } else {
    step_cols = 0;
    size(joined, static_cast<std::size_t>(padded) * cols);
  }
}

void QuantizedTokens::quantize(const float* x, int first, int last) {
  if (layout == TokenLayout::amx_tiles) quantize_tiles(*this, x, first, last);
  else quantize_joined(*this, x, first, last);
}

}  // namespace switchboard::local::cpu
