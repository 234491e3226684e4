#pragma once
// A 2-D weight in whatever form the folder stores it: float32, float16, bfloat16, or MLX affine
// 4/8-bit (packed uint32 values, one scale and one bias per group of input columns). Views the
// mapped file when it can; owns its bytes only when it made them (quantize on load).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "model/model_config.hpp"
#include "model/safetensors.hpp"
#include "model/tensor_store.hpp"

namespace switchboard::local {

enum class WeightFormat { f32, f16, bf16, affine4, affine8 };

const char* weight_format_name(WeightFormat format);

struct WeightMatrix {
  WeightMatrix() = default;
  WeightMatrix(WeightMatrix&&) = default;
  WeightMatrix& operator=(WeightMatrix&&) = default;
  // Not copyable: `data` may point into `owned`.
  WeightMatrix(const WeightMatrix&) = delete;
  WeightMatrix& operator=(const WeightMatrix&) = delete;

  std::string name;
  WeightFormat format = WeightFormat::f32;
  int rows = 0;  // output features
  int cols = 0;  // input features
  const std::byte* data = nullptr;  // rows × row_bytes()
  // Affine formats: per row, cols / group_size scales and biases, stored as `scale_dtype`.
  const std::byte* scales = nullptr;
  const std::byte* biases = nullptr;
  DType scale_dtype = DType::bf16;
  int group_size = 0;
  std::vector<std::byte> owned;  // backing store when the matrix was made here, not mapped

  bool quantized() const { return format == WeightFormat::affine4 || format == WeightFormat::affine8; }
  int bits() const { return format == WeightFormat::affine4 ? 4 : 8; }
  std::size_t row_bytes() const;
  std::size_t bytes() const;  // everything a product with this matrix reads: values, scales, biases

  // Row `row` widened to float32 (cols values).
  void dequantize_row(int row, float* out) const;
  // Rows first..first+count as a matrix of their own, viewing this one's bytes (which must
  // outlive it): how a fused q/k/v or gate/up weight becomes separate products.
  WeightMatrix row_range(int first, int count, std::string part_name) const;
};

// Loads `<module>.weight` (and `.scales`/`.biases` when it is stored as MLX uint32) and checks it
// is rows × cols. Throws Error(model_format) naming the tensor, its file and the expected shape.
WeightMatrix load_weight_matrix(const TensorStore& store, const std::string& module, const ModelConfig& config, int rows,
                                int cols);

// Quantizes a float matrix to MLX affine form (bits 4 or 8), the way mlx-lm does.
WeightMatrix quantize_affine(const WeightMatrix& source, int bits, int group_size);

// A 1-D tensor (norm weights, biases) widened to float32; checks its length.
std::vector<float> load_vector(const TensorStore& store, const std::string& name, int length);

inline float bf16_to_float(std::uint16_t bits) {
  const std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, 4);
  return value;
}
float f16_to_float(std::uint16_t bits);
std::uint16_t float_to_bf16(float value);
// IEEE binary16, rounded to nearest even as F16C's vcvtps2ph rounds: past 65504 (+ half a step)
// infinity, below 2^-14 a subnormal, NaN a quiet NaN.
std::uint16_t float_to_f16(float value);

// Element `index` of an array of f32, bf16 or f16 values (scales, biases, norms), widened.
// Through memcpy: a file's data need not be aligned.
inline float read_float(const std::byte* values, DType dtype, std::size_t index) {
  if (dtype == DType::f32) {
    float value;
    std::memcpy(&value, values + index * 4, 4);
    return value;
  }
  std::uint16_t half;
  std::memcpy(&half, values + index * 2, 2);
  return dtype == DType::bf16 ? bf16_to_float(half) : f16_to_float(half);
}

}  // namespace switchboard::local
