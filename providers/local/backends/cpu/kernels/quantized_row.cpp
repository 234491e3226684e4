#include <algorithm>
#include <cmath>

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
  float largest = 0, total = 0;
  for (int k = 0; k < kLanes; ++k) {
    largest = std::max(largest, largest_lanes[k]);
    total += total_lanes[k];
  }
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
  if (layout == RowLayout::int16_words) return column - column % 64 + (column % 4) * 16 + (column % 64) / 4;
  const int base = column - column % chunk;
  return base + ((column & 1) ? chunk / 2 : 0) + (column % chunk) / 2;
}

void QuantizedRow::prepare(const float* x, int cols_in, int group_size_in, int bits_in, RowLayout layout_in) {
  layout = layout_in;
  cols = cols_in;
  group_size = group_size_in;
  bits = bits_in;
  chunk = cols % 128 == 0 ? 128 : 64;
  const int groups = cols / group_size;
  step.resize(static_cast<std::size_t>(groups));
  sum.resize(step.size());
  if (layout == RowLayout::int16_words) {
    high.clear();
    low.clear();
    joined.resize(static_cast<std::size_t>(cols));
    quantize_words(*this, x);
    return;
  }
  joined.clear();
  high.resize(static_cast<std::size_t>(cols));
  low.resize(static_cast<std::size_t>(cols));
  // Natural order first; 4-bit rows are then dealt into the nibble order.
  std::int8_t* natural_high = high.data();
  std::int8_t* natural_low = low.data();
  if (bits == 4) {
    scratch_high_.resize(static_cast<std::size_t>(cols));
    scratch_low_.resize(static_cast<std::size_t>(cols));
    natural_high = scratch_high_.data();
    natural_low = scratch_low_.data();
  }
  for (int g = 0; g < groups; ++g) {
    const std::size_t offset = static_cast<std::size_t>(g) * group_size;
    quantize_group(x + offset, group_size, natural_high + offset, natural_low + offset, step[g], sum[g]);
  }
  if (bits == 4) {
    // Through plain pointers: a store of int8_t may alias anything, the vectors' own pointers
    // too, and reloading them for every byte cost half of prepare().
    const auto deal = [this](const std::int8_t* natural, std::int8_t* dealt) {
      const int half = chunk / 2;
      for (int base = 0; base < cols; base += chunk)
        for (int i = 0; i < half; ++i) {
          dealt[base + i] = natural[base + 2 * i];
          dealt[base + half + i] = natural[base + 2 * i + 1];
        }
    };
    deal(natural_high, high.data());
    deal(natural_low, low.data());
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
