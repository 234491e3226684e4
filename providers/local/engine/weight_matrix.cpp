#include "engine/weight_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace {

std::string shape_text(std::int64_t rows, std::int64_t cols) {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

[[noreturn]] void wrong_shape(const TensorView& view, const std::string& expected) {
  throw Error(ErrorCategory::model_format, "tensor " + view.describe() + ": expected " + expected);
}

}  // namespace

std::uint16_t float_to_bf16(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if (std::isnan(value)) return static_cast<std::uint16_t>((bits >> 16) | 0x40);
  const std::uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);  // round to nearest even
  return static_cast<std::uint16_t>((bits + rounding) >> 16);
}

std::uint16_t float_to_f16(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, 4);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u) return static_cast<std::uint16_t>(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));
  if (magnitude >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // 65520 and up round past 65504
  if (magnitude <= 0x33000000u) return sign;  // at most half the smallest subnormal, 2^-25: rounds to zero
  const int exponent = static_cast<int>(magnitude >> 23) - 127;
  // A normal half keeps the float's exponent, rebiased, and its top 10 mantissa bits; a subnormal
  // (below 2^-14) counts in steps of 2^-24, so the significand with its leading 1 shifts further.
  const bool normal = exponent >= -14;
  std::uint32_t significand = normal ? (magnitude & 0x7FFFFFu) | (static_cast<std::uint32_t>(exponent + 15) << 23)
                                     : (magnitude & 0x7FFFFFu) | 0x800000u;
  const int shift = normal ? 13 : -exponent - 1;
  const std::uint32_t half_step = 1u << (shift - 1), rest = significand & ((1u << shift) - 1);
  significand >>= shift;
  if (rest > half_step || (rest == half_step && (significand & 1))) ++significand;  // may carry into the exponent, as it should
  return static_cast<std::uint16_t>(sign | significand);
}

float f16_to_float(std::uint16_t bits) {
  const std::uint32_t sign = (bits & 0x8000u) << 16;
  std::uint32_t exponent = (bits >> 10) & 0x1F;
  std::uint32_t mantissa = bits & 0x3FF;
  std::uint32_t result;
  if (exponent == 0) {
    if (mantissa == 0) {
      result = sign;
    } else {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400) == 0) {
        mantissa <<= 1;
        --exponent;
      }
      mantissa &= 0x3FF;
      result = sign | (exponent << 23) | (mantissa << 13);
    }
  } else if (exponent == 31) {
    result = sign | 0x7F800000u | (mantissa << 13);
  } else {
    result = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &result, 4);
  return value;
}

const char* weight_format_name(WeightFormat format) {
  switch (format) {
    case WeightFormat::f32: return "f32";
    case WeightFormat::f16: return "f16";
    case WeightFormat::bf16: return "bf16";
    case WeightFormat::affine4: return "mlx-affine-4bit";
    case WeightFormat::affine8: return "mlx-affine-8bit";
  }
  return "?";
}

std::size_t WeightMatrix::row_bytes() const {
  switch (format) {
    case WeightFormat::f32: return static_cast<std::size_t>(cols) * 4;
    case WeightFormat::f16:
    case WeightFormat::bf16: return static_cast<std::size_t>(cols) * 2;
    case WeightFormat::affine4: return static_cast<std::size_t>(cols) / 2;
    case WeightFormat::affine8: return static_cast<std::size_t>(cols);
  }
  return 0;
}

std::size_t WeightMatrix::bytes() const {
  std::size_t total = row_bytes() * static_cast<std::size_t>(rows);
  if (quantized()) total += 2 * static_cast<std::size_t>(rows) * (cols / group_size) * dtype_size(scale_dtype);
  return total;
}

WeightMatrix WeightMatrix::row_range(int first, int count, std::string part_name) const {
  WeightMatrix part;
  part.name = std::move(part_name);
  part.format = format;
  part.rows = count;
  part.cols = cols;
  part.data = data + static_cast<std::size_t>(first) * row_bytes();
  part.scale_dtype = scale_dtype;
  part.group_size = group_size;
  if (quantized()) {
    const std::size_t group_offset = static_cast<std::size_t>(first) * (cols / group_size) * dtype_size(scale_dtype);
    part.scales = scales + group_offset;
    part.biases = biases + group_offset;
  }
  return part;
}

namespace {

// Typed loops: the element type is fixed per call, so the compiler vectorises them.
// Loads go through memcpy: a file's data section need not be aligned (safetensors only
// recommends padding the header), and memcpy of 2 or 4 bytes compiles to a plain load.
template <typename T>
T load(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

void widen_half_row(const std::byte* values, DType dtype, int count, float* out) {
  if (dtype == DType::bf16) {
    for (int c = 0; c < count; ++c) out[c] = bf16_to_float(load<std::uint16_t>(values + 2 * c));
  } else {
    for (int c = 0; c < count; ++c) out[c] = f16_to_float(load<std::uint16_t>(values + 2 * c));
  }
}

template <int Bits>
void dequantize_affine_row(const std::byte* values, const std::byte* scales, const std::byte* biases, DType scale_dtype,
                           std::size_t first_group, int cols, int group_size, float* out) {
  constexpr int kPerWord = 32 / Bits;
  constexpr std::uint32_t kMask = (1u << Bits) - 1;
  const int groups = cols / group_size;
  const int words_per_group = group_size / kPerWord;
  for (int g = 0; g < groups; ++g) {
    const float scale = read_float(scales, scale_dtype, first_group + g);
    const float bias = read_float(biases, scale_dtype, first_group + g);
    const std::byte* group_words = values + static_cast<std::size_t>(g) * words_per_group * 4;
    float* group_out = out + static_cast<std::size_t>(g) * group_size;
    for (int w = 0; w < words_per_group; ++w) {
      const auto word = load<std::uint32_t>(group_words + 4 * w);
      for (int k = 0; k < kPerWord; ++k)
        group_out[w * kPerWord + k] = scale * static_cast<float>((word >> (Bits * k)) & kMask) + bias;
    }
  }
}

}  // namespace

void WeightMatrix::dequantize_row(int row, float* out) const {
  const std::byte* values = data + row_bytes() * static_cast<std::size_t>(row);
  switch (format) {
    case WeightFormat::f32:
      std::memcpy(out, values, static_cast<std::size_t>(cols) * 4);
      return;
    case WeightFormat::bf16:
      widen_half_row(values, DType::bf16, cols, out);
      return;
    case WeightFormat::f16:
      widen_half_row(values, DType::f16, cols, out);
      return;
    case WeightFormat::affine4:
      dequantize_affine_row<4>(values, scales, biases, scale_dtype, static_cast<std::size_t>(row) * (cols / group_size), cols,
                               group_size, out);
      return;
    case WeightFormat::affine8:
      dequantize_affine_row<8>(values, scales, biases, scale_dtype, static_cast<std::size_t>(row) * (cols / group_size), cols,
                               group_size, out);
      return;
  }
}

WeightMatrix load_weight_matrix(const TensorStore& store, const std::string& module, const ModelConfig& config, int rows,
                                int cols) {
  const TensorView& weight = store.require(module + ".weight");
  WeightMatrix matrix;
  matrix.name = module;
  matrix.rows = rows;
  matrix.cols = cols;
  matrix.data = weight.bytes.data();
  if (weight.dtype != DType::u32) {
    if (weight.shape.size() != 2 || weight.shape[0] != rows || weight.shape[1] != cols)
      wrong_shape(weight, "shape " + shape_text(rows, cols));
    matrix.format = weight.dtype == DType::f32 ? WeightFormat::f32 : weight.dtype == DType::f16 ? WeightFormat::f16 : WeightFormat::bf16;
    return matrix;
  }

  auto [bits, group_size] = config.quantization.for_module(module);
  if (bits == 0)
    throw Error(ErrorCategory::model_format, "tensor " + weight.describe() +
                                                 ": packed uint32 weights, but config.json's quantization does not cover '" + module + "'");
  if (cols % group_size != 0 || (cols * bits) % 32 != 0)
    wrong_shape(weight, std::to_string(cols) + " input columns to divide into groups of " + std::to_string(group_size));
  const int packed_cols = cols * bits / 32;
  if (weight.shape.size() != 2 || weight.shape[0] != rows || weight.shape[1] != packed_cols)
    wrong_shape(weight, "packed shape " + shape_text(rows, packed_cols) + " (" + std::to_string(bits) + "-bit values of a " +
                            shape_text(rows, cols) + " matrix)");
  const TensorView& scales = store.require(module + ".scales");
  const TensorView& biases = store.require(module + ".biases");
  for (const TensorView* side : {&scales, &biases}) {
    if (side->dtype == DType::u32) wrong_shape(*side, "a float dtype");
    if (side->shape.size() != 2 || side->shape[0] != rows || side->shape[1] != cols / group_size)
      wrong_shape(*side, "shape " + shape_text(rows, cols / group_size) + " (group size " + std::to_string(group_size) + ")");
  }
  if (scales.dtype != biases.dtype) wrong_shape(biases, std::string("the dtype of its scales (") + dtype_name(scales.dtype) + ")");
  matrix.format = bits == 4 ? WeightFormat::affine4 : WeightFormat::affine8;
  matrix.group_size = group_size;
  matrix.scales = scales.bytes.data();
  matrix.biases = biases.bytes.data();
  matrix.scale_dtype = scales.dtype;
  return matrix;
}

WeightMatrix quantize_affine(const WeightMatrix& source, int bits, int group_size) {
  if ((bits != 4 && bits != 8) || source.cols % group_size != 0)
    throw Error(ErrorCategory::invalid_request, "cannot quantize '" + source.name + "' (" + std::to_string(source.cols) +
                                                    " columns) to " + std::to_string(bits) + " bits in groups of " +
                                                    std::to_string(group_size));
  WeightMatrix result;
  result.name = source.name;
  result.format = bits == 4 ? WeightFormat::affine4 : WeightFormat::affine8;
  result.rows = source.rows;
  result.cols = source.cols;
  result.group_size = group_size;
  result.scale_dtype = DType::bf16;
  const int groups = source.cols / group_size;
  const std::size_t value_bytes = result.row_bytes() * source.rows;
  const std::size_t side_bytes = static_cast<std::size_t>(source.rows) * groups * 2;
  result.owned.resize(value_bytes + 2 * side_bytes);
  std::byte* values = result.owned.data();
  auto* scales = reinterpret_cast<std::uint16_t*>(values + value_bytes);
  auto* biases = reinterpret_cast<std::uint16_t*>(values + value_bytes + side_bytes);
  const float levels = static_cast<float>((1 << bits) - 1);
  const int per_word = 32 / bits;
  std::vector<float> row(static_cast<std::size_t>(source.cols));
  for (int r = 0; r < source.rows; ++r) {
    source.dequantize_row(r, row.data());
    auto* words = reinterpret_cast<std::uint32_t*>(values + result.row_bytes() * r);
    std::fill(words, words + source.cols / per_word, 0u);
    for (int g = 0; g < groups; ++g) {
      const float* group = row.data() + static_cast<std::size_t>(g) * group_size;
      const auto [lowest, highest] = std::minmax_element(group, group + group_size);
      // As mlx does: snap the scale so the group's larger-magnitude end is represented exactly.
      // q = 0 sits at that end, so counting up from the top needs a negative scale.
      float scale = std::max((*highest - *lowest) / levels, 1e-7f);
      const bool low_end = std::fabs(*lowest) > std::fabs(*highest);
      const float edge = low_end ? *lowest : *highest;
      if (!low_end) scale = -scale;
      float bias = 0;
      const float q0 = std::rint(edge / scale);
      if (q0 != 0) {
        scale = edge / q0;
        bias = edge;
      }
      const std::uint16_t stored_scale = float_to_bf16(scale);
      const std::uint16_t stored_bias = float_to_bf16(bias);
      scales[static_cast<std::size_t>(r) * groups + g] = stored_scale;
      biases[static_cast<std::size_t>(r) * groups + g] = stored_bias;
      const float s = bf16_to_float(stored_scale), b = bf16_to_float(stored_bias);
      for (int i = 0; i < group_size; ++i) {
        const float q = std::clamp(std::rint((group[i] - b) / s), 0.0f, levels);
        const int c = g * group_size + i;
        words[c / per_word] |= static_cast<std::uint32_t>(q) << (bits * (c % per_word));
      }
    }
  }
  result.data = values;
  result.scales = reinterpret_cast<const std::byte*>(scales);
  result.biases = reinterpret_cast<const std::byte*>(biases);
  return result;
}

std::vector<float> load_vector(const TensorStore& store, const std::string& name, int length) {
  const TensorView& view = store.require(name);
  if (view.shape.size() != 1 || view.shape[0] != length || view.dtype == DType::u32)
    wrong_shape(view, "a float vector of " + std::to_string(length));
  std::vector<float> values(static_cast<std::size_t>(length));
  for (int i = 0; i < length; ++i) values[static_cast<std::size_t>(i)] = read_float(view.bytes.data(), view.dtype, i);
  return values;
}

}  // namespace switchboard::local
