#pragma once
// Reading a weight's per-group scales and biases, whatever float type the folder stored them in.
// Inline and branch-free per element, so each kernel file compiles them for its own instruction set.

#include <cstdint>
#include <cstring>

#include "backends/cpu/kernels/kernels.hpp"
#include "engine/weight_matrix.hpp"

namespace switchboard::local::cpu {

inline float widen_bf16(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, 4);
  return value;
}

template <DType Type>
inline float group_value(const std::byte* values, std::size_t index) {
  if constexpr (Type == DType::f32) {
    float value;
    std::memcpy(&value, values + index * 4, 4);
    return value;
  } else {
    std::uint16_t half;
    std::memcpy(&half, values + index * 2, 2);
    if constexpr (Type == DType::bf16) return widen_bf16(half);
    else return f16_to_float(half);
  }
}

inline float group_scalar(const std::byte* values, DType dtype, std::size_t index) {
  switch (dtype) {
    case DType::f32: return group_value<DType::f32>(values, index);
    case DType::bf16: return group_value<DType::bf16>(values, index);
    case DType::f16: return group_value<DType::f16>(values, index);
    case DType::u32: break;
  }
  return 0;
}

// For row r: factor[g] = scale · x.step[g] for each group; returns Σ bias · x.sum[g].
template <DType Type>
inline float row_factors_typed(const WeightMatrix& w, const QuantizedRow& x, int r, float* factor) {
  const int groups = w.cols / w.group_size;
  const std::size_t first = static_cast<std::size_t>(r) * groups;
  float bias_total = 0;
  for (int g = 0; g < groups; ++g) {
    factor[g] = group_value<Type>(w.scales, first + g) * x.step[g];
    bias_total += group_value<Type>(w.biases, first + g) * x.sum[g];
  }
  return bias_total;
}

inline float row_factors(const WeightMatrix& w, const QuantizedRow& x, int r, float* factor) {
  switch (w.scale_dtype) {
    case DType::f32: return row_factors_typed<DType::f32>(w, x, r, factor);
    case DType::f16: return row_factors_typed<DType::f16>(w, x, r, factor);
    default: return row_factors_typed<DType::bf16>(w, x, r, factor);
  }
}

}  // namespace switchboard::local::cpu
