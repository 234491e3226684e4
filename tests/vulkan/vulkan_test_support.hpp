#pragma once
// What the Vulkan tests share: a Vulkan backend when this machine has a device (a test is
// skipped when it has none, and fails instead when SWITCHBOARD_REQUIRE_VULKAN=1, as in CI), and
// random weights in every stored form.

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "backends/backend.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

namespace switchboard::vulkan_test {

inline bool vulkan_required() {
  const char* value = std::getenv("SWITCHBOARD_REQUIRE_VULKAN");
  return value && std::string(value) == "1";
}

// Empty when there is no device; the caller skips (or fails, when required).
inline std::string vulkan_unavailable_reason() {
  const auto devices = local::vulkan_devices();
  return devices["available"].get<bool>() ? std::string() : devices["reason"].get<std::string>();
}

#define SWITCHBOARD_REQUIRE_VULKAN_DEVICE()                                                                        \
  do {                                                                                                             \
    const std::string why = ::switchboard::vulkan_test::vulkan_unavailable_reason();                               \
    if (!why.empty()) {                                                                                            \
      if (::switchboard::vulkan_test::vulkan_required()) FAIL() << "SWITCHBOARD_REQUIRE_VULKAN=1 but " << why;     \
      GTEST_SKIP() << "no Vulkan device: " << why;                                                                 \
    }                                                                                                              \
  } while (false)

// A weight of `format` whose bytes are random (16-bit values and scales drawn from a sane
// exponent range, so no infinities); it owns its bytes.
inline local::WeightMatrix random_weight(local::WeightFormat format, local::DType scale_dtype, int rows, int cols, int group_size,
                                         std::mt19937& rng) {
  using local::DType;
  using local::WeightFormat;
  local::WeightMatrix w;
  w.name = "random";
  w.format = format;
  w.rows = rows;
  w.cols = cols;
  w.group_size = w.quantized() ? group_size : 0;
  w.scale_dtype = scale_dtype;
  const std::size_t value_bytes = w.row_bytes() * rows;
  const std::size_t side_count = w.quantized() ? static_cast<std::size_t>(rows) * (cols / group_size) : 0;
  const std::size_t side_bytes = side_count * local::dtype_size(scale_dtype);
  w.owned.resize(value_bytes + 2 * side_bytes);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  auto half_bits = [&](DType dtype, float scale) -> std::uint16_t {
    // A value of magnitude about `scale`: exponent within a few octaves, random mantissa and sign.
    std::uniform_int_distribution<int> octave(-3, 0), mantissa(0, 1023), sign(0, 1);
    const int exponent = static_cast<int>(std::floor(std::log2(scale))) + octave(rng);
    if (dtype == DType::bf16)
      return static_cast<std::uint16_t>((sign(rng) << 15) | ((exponent + 127) << 7) | (mantissa(rng) & 0x7F));
    return static_cast<std::uint16_t>((sign(rng) << 15) | ((exponent + 15) << 10) | mantissa(rng));
  };
  std::byte* values = w.owned.data();
  if (format == WeightFormat::f32) {
    for (std::size_t i = 0; i < value_bytes / 4; ++i) {
      const float v = uniform(rng);
      std::memcpy(values + 4 * i, &v, 4);
    }
  } else if (format == WeightFormat::f16 || format == WeightFormat::bf16) {
    for (std::size_t i = 0; i < value_bytes / 2; ++i) {
      const std::uint16_t bits = half_bits(format == WeightFormat::f16 ? DType::f16 : DType::bf16, 1.0f);
      std::memcpy(values + 2 * i, &bits, 2);
    }
  } else {
    std::uniform_int_distribution<std::uint32_t> word;
    for (std::size_t i = 0; i < value_bytes / 4; ++i) {
      const std::uint32_t v = word(rng);
      std::memcpy(values + 4 * i, &v, 4);
    }
    for (int side = 0; side < 2; ++side) {
      std::byte* base = values + value_bytes + side * side_bytes;
      for (std::size_t i = 0; i < side_count; ++i) {
        if (scale_dtype == DType::f32) {
          const float v = uniform(rng) * (side == 0 ? 0.1f : 1.0f);
          std::memcpy(base + 4 * i, &v, 4);
        } else {
          const std::uint16_t bits = half_bits(scale_dtype, side == 0 ? 0.1f : 1.0f);
          std::memcpy(base + 2 * i, &bits, 2);
        }
      }
    }
    w.scales = values + value_bytes;
    w.biases = values + value_bytes + side_bytes;
  }
  w.data = values;
  return w;
}

}  // namespace switchboard::vulkan_test
