// Every SIMD path this processor has against the scalar reference, for every weight format and
// group size, and the integer products against exact float arithmetic.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "backends/backend.hpp"
#include "backends/cpu/kernels/kernels.hpp"
#include "backends/cpu/thread_pool.hpp"
#include "engine/weight_matrix.hpp"

namespace {

using namespace switchboard::local;
using namespace switchboard::local::cpu;

std::vector<float> random_values(std::size_t n, unsigned seed, float spread = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, spread);
  std::vector<float> values(n);
  for (auto& v : values) v = normal(rng);
  return values;
}

WeightMatrix float_matrix(int rows, int cols, unsigned seed) {
  const auto values = random_values(static_cast<std::size_t>(rows) * cols, seed, 0.05f);
  WeightMatrix m;
  m.name = "random";
  m.format = WeightFormat::f32;
  m.rows = rows;
  m.cols = cols;
  m.owned.resize(values.size() * 4);
  std::memcpy(m.owned.data(), values.data(), m.owned.size());
  m.data = m.owned.data();
  return m;
}

// The same values stored as bf16 or f16.
WeightMatrix narrowed(const WeightMatrix& source, WeightFormat format) {
  WeightMatrix m;
  m.name = source.name;
  m.format = format;
  m.rows = source.rows;
  m.cols = source.cols;
  m.owned.resize(static_cast<std::size_t>(source.rows) * source.cols * 2);
  const auto* values = reinterpret_cast<const float*>(source.data);
  for (std::size_t i = 0; i < static_cast<std::size_t>(source.rows) * source.cols; ++i) {
    std::uint16_t bits = format == WeightFormat::bf16 ? float_to_bf16(values[i]) : 0;
    if (format == WeightFormat::f16) {
      const _Float16 half = static_cast<_Float16>(values[i]);
      std::memcpy(&bits, &half, 2);
    }
    std::memcpy(m.owned.data() + 2 * i, &bits, 2);
  }
  m.data = m.owned.data();
  return m;
}

// Row · x in double over the dequantized row: what a product should give.
std::vector<double> exact_products(const WeightMatrix& w, const std::vector<float>& x) {
  std::vector<double> out(static_cast<std::size_t>(w.rows));
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (int r = 0; r < w.rows; ++r) {
    w.dequantize_row(r, row.data());
    double total = 0;
    for (int c = 0; c < w.cols; ++c) total += static_cast<double>(row[c]) * x[c];
    out[r] = total;
  }
  return out;
}

// How far a two-part int8 product may be from exact: each activation is off by at most
// largest-in-its-group / (127 · 256) (half a step, doubled for the clamp at ±127), times |w|.
std::vector<double> two_part_bounds(const WeightMatrix& w, const std::vector<float>& x) {
  std::vector<double> bounds(static_cast<std::size_t>(w.rows));
  std::vector<float> row(static_cast<std::size_t>(w.cols));
  for (int r = 0; r < w.rows; ++r) {
    w.dequantize_row(r, row.data());
    double bound = 0;
    for (int g = 0; g < w.cols / w.group_size; ++g) {
      float largest = 0;
      for (int j = 0; j < w.group_size; ++j) largest = std::max(largest, std::fabs(x[g * w.group_size + j]));
      for (int j = 0; j < w.group_size; ++j) bound += std::fabs(row[g * w.group_size + j]) * largest / (127.0 * 256.0);
    }
    bounds[r] = bound;
  }
  return bounds;
}

double scale_of(const std::vector<double>& values) {
  double largest = 1e-6;
  for (double v : values) largest = std::max(largest, std::fabs(v));
  return largest;
}

std::vector<float> run(const Kernels& kernels, const WeightMatrix& w, const std::vector<float>& x) {
  std::vector<float> out(static_cast<std::size_t>(w.rows), NAN);
  if (integer_product_fits(w)) {
    QuantizedRow prepared;
    prepared.prepare(x.data(), w.cols, w.group_size, w.bits(), kernels.row_layout);
    // In two pieces, so a kernel that ignores `first` is caught.
    kernels.affine_rows(w, prepared, 0, w.rows / 2, out.data());
    kernels.affine_rows(w, prepared, w.rows / 2, w.rows, out.data() + w.rows / 2);
  } else {
    kernels.float_rows(w, x.data(), 0, w.rows / 2, out.data());
    kernels.float_rows(w, x.data(), w.rows / 2, w.rows, out.data() + w.rows / 2);
  }
  return out;
}

struct Case {
  std::string name;
  WeightMatrix w;
};

std::vector<Case> cases() {
  std::vector<Case> all;
  // 896 and 1280 columns: 4-bit rows of 7 and 10 whole 128-column chunks, shorter and longer than
  // the 8 chunks whose activation avx512_vnni holds in registers.
  for (int cols : {64, 192, 896, 1280}) {
    const WeightMatrix source = float_matrix(37, cols, static_cast<unsigned>(cols));
    for (int bits : {4, 8})
      for (int group : {32, 64, 128}) {
        if (cols % group) continue;
        all.push_back({"affine" + std::to_string(bits) + "_g" + std::to_string(group) + "_c" + std::to_string(cols),
                       quantize_affine(source, bits, group)});
      }
    all.push_back({"bf16_c" + std::to_string(cols), narrowed(source, WeightFormat::bf16)});
    all.push_back({"f16_c" + std::to_string(cols), narrowed(source, WeightFormat::f16)});
    all.push_back({"f32_c" + std::to_string(cols), float_matrix(37, cols, static_cast<unsigned>(cols))});
  }
  // Columns that are not whole 64-blocks: float tails, and affine rows off the integer path.
  all.push_back({"f32_c40", float_matrix(9, 40, 40)});
  all.push_back({"bf16_c48", narrowed(float_matrix(9, 48, 48), WeightFormat::bf16)});
  return all;
}

TEST(CpuKernels, ScalarIntegerProductsMatchExactArithmetic) {
  for (const auto& [name, w] : cases()) {
    const auto x = random_values(static_cast<std::size_t>(w.cols), 7);
    const auto expected = exact_products(w, x);
    const auto got = run(kScalarKernels, w, x);
    // Float weights take float arithmetic: float32 rounding only.
    const auto bounds = w.quantized() ? two_part_bounds(w, x) : std::vector<double>(expected.size(), 0.0);
    for (int r = 0; r < w.rows; ++r)
      EXPECT_NEAR(got[r], expected[r], bounds[r] + 1e-5 * scale_of(expected)) << name << " row " << r;
  }
}

TEST(CpuKernels, ActivationsWithOutliersStayWithinTheTwoPartStep) {
  // One value 4000 times the rest per group: one int8 part alone would round the small ones to
  // zero; with the low part each value is off by at most half of largest / (127 · 256).
  const WeightMatrix w = quantize_affine(float_matrix(16, 256, 3), 4, 64);
  auto x = random_values(256, 11, 0.01f);
  for (int g = 0; g < 4; ++g) x[g * 64 + 5] = 40.0f;
  const auto expected = exact_products(w, x);
  const auto got = run(kScalarKernels, w, x);
  const auto bounds = two_part_bounds(w, x);
  for (int r = 0; r < w.rows; ++r) EXPECT_NEAR(got[r], expected[r], bounds[r] + 1e-6 * std::fabs(expected[r])) << "row " << r;
  // A single int8 part would miss by about 256 times as much: the bound is tight enough to tell.
  EXPECT_LT(bounds[0], 0.05 * std::fabs(expected[0]) + 1e-3);
}

TEST(CpuKernels, EverySimdPathMatchesTheScalarPath) {
  const auto paths = supported_paths();
  ASSERT_EQ(paths.front(), KernelPath::scalar);
  for (KernelPath path : paths) {
    if (path == KernelPath::scalar) continue;
    const Kernels& kernels = kernels_for(path);
    EXPECT_EQ(kernels.path, path);
    for (const auto& [name, w] : cases()) {
      if (w.quantized() && !integer_product_fits(w)) continue;  // such rows never reach SIMD code
      const auto x = random_values(static_cast<std::size_t>(w.cols), 5);
      const auto reference = run(kScalarKernels, w, x);
      const auto got = run(kernels, w, x);
      const double tolerance = 1e-5 * scale_of(std::vector<double>(reference.begin(), reference.end())) * std::sqrt(w.cols / 64.0);
      for (int r = 0; r < w.rows; ++r) EXPECT_NEAR(got[r], reference[r], tolerance) << path_name(path) << " " << name << " row " << r;
    }
  }
}

TEST(CpuKernels, TokenProductsMatchTheScalarPathForEveryToken) {
  std::vector<KernelPath> token_paths;
  for (KernelPath path : supported_paths())
    if (kernels_for(path).affine_tokens) token_paths.push_back(path);
  if (token_paths.empty()) GTEST_SKIP() << "this processor has neither AVX2 nor AMX: no path has token products";
  for (KernelPath path : token_paths) {
    const Kernels& kernels = kernels_for(path);
    for (const auto& [name, w] : cases()) {
      if (!integer_product_fits(w)) continue;
      for (int tokens : {8, 17, 33}) {  // whole and partial blocks (16 tokens for AMX, 2 for AVX2)
        const auto x = random_values(static_cast<std::size_t>(tokens) * w.cols, static_cast<unsigned>(tokens));
        QuantizedTokens prepared;
        prepared.prepare(x.data(), tokens, w.cols, w.group_size, w.bits(), kernels.token_layout);
        // 37 rows in two calls, the second starting inside a block of rows: rows are not assumed aligned.
        const std::size_t stride = static_cast<std::size_t>(w.rows) + 3;
        std::vector<float> got(static_cast<std::size_t>(tokens) * stride, NAN);
        kernels.affine_tokens(w, prepared, 0, 20, got.data(), stride);
        kernels.affine_tokens(w, prepared, 20, w.rows, got.data() + 20, stride);
        for (int t = 0; t < tokens; ++t) {
          const std::vector<float> token(x.begin() + static_cast<std::ptrdiff_t>(t) * w.cols, x.begin() + static_cast<std::ptrdiff_t>(t + 1) * w.cols);
          const auto reference = run(kScalarKernels, w, token);
          const double tolerance = 1e-5 * scale_of(std::vector<double>(reference.begin(), reference.end())) * std::sqrt(w.cols / 64.0);
          for (int r = 0; r < w.rows; ++r)
            ASSERT_NEAR(got[static_cast<std::size_t>(t) * stride + r], reference[r], tolerance)
                << path_name(path) << " " << name << " tokens " << tokens << " token " << t << " row " << r;
          for (std::size_t r = static_cast<std::size_t>(w.rows); r < stride; ++r)
            ASSERT_TRUE(std::isnan(got[static_cast<std::size_t>(t) * stride + r])) << "wrote past the rows asked for";
        }
      }
    }
  }
}

// The int16 token layout holds each token's two int8 parts exactly as QuantizedRow rounds them,
// joined: a vector quantizer that rounded otherwise would part the prefill and decode products.
TEST(CpuKernels, JoinedTokensHoldTheRowsTwoPartsExactly) {
  const auto paths = supported_paths();
  if (std::find(paths.begin(), paths.end(), KernelPath::avx2) == paths.end()) GTEST_SKIP() << "the int16 layout's quantizer needs AVX2";
  for (int group : {32, 64, 128}) {
    const int tokens = 19, cols = 256;
    auto x = random_values(static_cast<std::size_t>(tokens) * cols, static_cast<unsigned>(group), 3.0f);
    x[5] = 1e-30f;  // a tiny value and an all-zero group quantize too
    std::fill(x.begin() + cols, x.begin() + cols + group, 0.0f);
    QuantizedTokens joined;
    joined.prepare(x.data(), tokens, cols, group, 8, TokenLayout::int16_pairs);
    ASSERT_EQ(joined.padded, 32);
    for (int t = 0; t < tokens; ++t) {
      QuantizedRow row;  // 8-bit: columns in natural order
      row.prepare(x.data() + static_cast<std::size_t>(t) * cols, cols, group, 8);
      for (int c = 0; c < cols; ++c)
        ASSERT_EQ(joined.joined_pair(c / 2, t)[c % 2], row.high[c] * 256 + row.low[c]) << "group " << group << " token " << t << " column " << c;
      for (int g = 0; g < cols / group; ++g) {
        ASSERT_EQ(joined.step[static_cast<std::size_t>(g) * joined.padded + t], row.step[g]);
        ASSERT_NEAR(joined.sum[static_cast<std::size_t>(g) * joined.padded + t], row.sum[g], 1e-5 * group);
      }
    }
    for (int t = tokens; t < joined.padded; ++t)  // the padding is zeros
      for (int c = 0; c < cols; ++c) ASSERT_EQ(joined.joined_pair(c / 2, t)[c % 2], 0);
  }
}

// The int16 paths' joined rows are the byte paths' two parts, column for column: the decode
// products of every path round activations alike. 384 columns are whole 128-column chunks,
// which int16_wide_words lays out in runs of 32; 320 are not, and keep runs of 16.
TEST(CpuKernels, JoinedRowHoldsTheTwoPartsOfEveryColumn) {
  const auto paths = supported_paths();
  if (std::find(paths.begin(), paths.end(), KernelPath::avx2) == paths.end()) GTEST_SKIP() << "the int16 layout's quantizer needs AVX2";
  for (RowLayout layout : {RowLayout::int16_words, RowLayout::int16_wide_words})
    for (int cols : {384, 320})
      for (int bits : {4, 8})
        for (int group : {32, 64, 128}) {
          if (cols % group) continue;
          auto x = random_values(static_cast<std::size_t>(cols), static_cast<unsigned>(bits * group + cols), 2.0f);
          QuantizedRow parts, words;
          parts.prepare(x.data(), cols, group, bits, RowLayout::int8_parts);
          words.prepare(x.data(), cols, group, bits, layout);
          ASSERT_EQ(words.joined.size(), static_cast<std::size_t>(cols));
          const bool runs_of_32 = layout == RowLayout::int16_wide_words && cols % 128 == 0;
          EXPECT_EQ(words.chunk, runs_of_32 ? 128 : 64);
          std::vector<bool> taken(static_cast<std::size_t>(cols), false);
          for (int c = 0; c < cols; ++c) {
            const int at = parts.position(c), joined_at = words.position(c);
            if (bits == 4) {
              ASSERT_EQ(joined_at, c - c % words.chunk + (c % 4) * (runs_of_32 ? 32 : 16) + (c % words.chunk) / 4);
            }
            ASSERT_FALSE(taken[static_cast<std::size_t>(joined_at)]) << "two columns at " << joined_at;
            taken[static_cast<std::size_t>(joined_at)] = true;
            ASSERT_EQ(words.joined[static_cast<std::size_t>(joined_at)], parts.high[at] * 256 + parts.low[at])
                << bits << "-bit, group " << group << ", " << cols << " columns, column " << c;
          }
          EXPECT_EQ(words.step, parts.step);
          EXPECT_EQ(words.sum, parts.sum);
        }
}

// Where the processor has AVX2, prepare() quantizes int8_parts rows in vectors: to the scalar
// code's bits, in both 4-bit chunkings (128 columns; 64 when the row is not whole 128s), with a
// group of zeros and values that round half-way.
TEST(CpuKernels, TheVectorRowQuantizerWritesTheScalarOnesBits) {
  const auto paths = supported_paths();
  if (std::find(paths.begin(), paths.end(), KernelPath::avx2) == paths.end()) GTEST_SKIP() << "the vector quantizer needs AVX2";
  for (int cols : {384, 320})
    for (int bits : {4, 8})
      for (int group : {32, 64, 128}) {
        if (cols % group != 0) continue;
        auto x = random_values(cols, static_cast<unsigned>(cols + bits * group), 3.0f);
        std::fill(x.begin(), x.begin() + group, 0.0f);
        x[static_cast<std::size_t>(group)] = 127.0f, x[static_cast<std::size_t>(group) + 1] = 0.5f, x[static_cast<std::size_t>(group) + 2] = -1.5f;
        QuantizedRow vectors, scalar;
        vectors.prepare(x.data(), cols, group, bits, RowLayout::int8_parts);
        scalar.prepare(x.data(), cols, group, bits, RowLayout::int8_parts);
        std::fill(scalar.high.begin(), scalar.high.end(), std::int8_t{99});
        quantize_parts_scalar(scalar, x.data());
        const std::string shape = std::to_string(cols) + " columns, " + std::to_string(bits) + "-bit, group " + std::to_string(group);
        EXPECT_EQ(vectors.high, scalar.high) << shape;
        EXPECT_EQ(vectors.low, scalar.low) << shape;
        EXPECT_EQ(vectors.step, scalar.step) << shape;
        EXPECT_EQ(vectors.sum, scalar.sum) << shape;
      }
}

// A QuantizedRow prepared again, at the same address or for other weights, holds what a fresh one
// would: nothing of the last row lingers.
TEST(CpuKernels, APreparedRowPreparedAgainMatchesAFreshOne) {
  auto x = random_values(256, 21);
  QuantizedRow reused;
  reused.prepare(x.data(), 256, 64, 4);
  reused.prepare(x.data(), 256, 64, 4);
  x[70] = 3.0f;  // same address, new values
  reused.prepare(x.data(), 256, 64, 4);
  reused.prepare(x.data(), 256, 64, 4);
  QuantizedRow fresh;
  fresh.prepare(x.data(), 256, 64, 4);
  EXPECT_EQ(reused.high, fresh.high);
  EXPECT_EQ(reused.low, fresh.low);
  EXPECT_EQ(reused.step, fresh.step);
  EXPECT_EQ(reused.sum, fresh.sum);
  reused.prepare(x.data(), 256, 64, 8);  // other weights' layout: prepared for them
  fresh.prepare(x.data(), 256, 64, 8);
  EXPECT_EQ(reused.high, fresh.high);
}

TEST(CpuKernels, DotAndAxpyMatchTheScalarPathAtEveryLength) {
  for (KernelPath path : supported_paths()) {
    const Kernels& kernels = kernels_for(path);
    for (int n : {1, 7, 16, 33, 64, 100}) {
      const auto a = random_values(static_cast<std::size_t>(n), 1), b = random_values(static_cast<std::size_t>(n), 2);
      EXPECT_NEAR(kernels.dot(a.data(), b.data(), n), kScalarKernels.dot(a.data(), b.data(), n), 1e-5 * n) << path_name(path) << " n " << n;
      auto y = b, expected = b;
      kernels.axpy(0.5f, a.data(), y.data(), n);
      kScalarKernels.axpy(0.5f, a.data(), expected.data(), n);
      for (int i = 0; i < n; ++i) EXPECT_NEAR(y[i], expected[i], 1e-6) << path_name(path) << " n " << n << " i " << i;
    }
  }
}

TEST(CpuKernels, ExponentialsAreWithinAFewRoundingsOfTheLibrary) {
  std::vector<float> inputs;
  for (float x = -100.0f; x <= 88.0f; x += 0.37f) inputs.push_back(x);
  for (float x : {0.0f, -0.0f, 1e-8f, -1e-8f, 0.5f * 0.6931472f, -87.0f, 88.5f}) inputs.push_back(x);
  for (KernelPath path : supported_paths()) {
    auto got = inputs;
    kernels_for(path).exp(got.data(), static_cast<int>(got.size()));
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const double expected = std::exp(static_cast<double>(inputs[i]));
      // Relative error of a few float roundings where e^x is a normal float; below that, tiny.
      if (expected > 1e-37) EXPECT_NEAR(got[i] / expected, 1.0, 4e-7) << path_name(path) << " e^" << inputs[i];
      else EXPECT_LT(got[i], 1e-37) << path_name(path) << " e^" << inputs[i];
    }
  }
}

TEST(CpuKernels, SwigluMatchesTheDefinitionOnEveryPath) {
  // Lengths with and without a partial last vector; gates far out on both sides, where e^-gate
  // overflows or vanishes; the result written over the gates, as the backend does.
  for (int n : {1, 7, 8, 15, 16, 17, 100, 4864}) {
    auto gate = random_values(static_cast<std::size_t>(n), 11), up = random_values(static_cast<std::size_t>(n), 12);
    for (int i = 0; i < n; ++i) gate[static_cast<std::size_t>(i)] *= i % 5 == 0 ? 60.0f : 4.0f;
    for (KernelPath path : supported_paths()) {
      auto out = gate;
      out.push_back(NAN);
      kernels_for(path).swiglu(out.data(), up.data(), out.data(), n);
      for (int i = 0; i < n; ++i) {
        const double g = gate[i], expected = g / (1.0 + std::exp(-g)) * up[i];
        ASSERT_NEAR(out[i], expected, 1e-6 * std::fabs(expected) + 1e-30) << path_name(path) << " n " << n << " at " << i << " gate " << g;
      }
      EXPECT_TRUE(std::isnan(out.back())) << path_name(path) << " wrote past the end";
    }
  }
}

TEST(CpuKernels, AttentionMatchesTheDefinitionOnEveryPath) {
  // A head's cache as the CPU backend lays it out (chunks a row apart, each its keys in blocks by
  // dimension then its values by position, here with a chunk of something else between), with
  // visible positions that start inside a block or on one (a sliding window's), end inside or on
  // one, and run into a second or third chunk; every float and half outside them holds NaN, which
  // must not reach the result. Head sizes that are and are not whole vectors; one query, several,
  // and more than one batch of them. The values are multiples of 2^-8 below 8 in size, which
  // half precision holds exactly, so the definition needs no rounding of its own.
  for (int dim : {8, 64, 80, 128}) {
    for (int count : {1, 5, 17, 40, 100, 300}) {
      for (int first : {0, 5, 16, 250}) {
        for (int queries : {1, 3, 7, 12}) {
          const int chunks = (first + count) / kCacheChunk + 1;
          const std::size_t chunk = static_cast<std::size_t>(kCacheChunk) * dim;
          const auto q = random_values(static_cast<std::size_t>(queries) * dim, 1);
          const auto key_rows = random_values(static_cast<std::size_t>(count) * dim, 2);
          auto value_rows = random_values(static_cast<std::size_t>(count) * dim, 3);
          for (float& v : value_rows) v = std::round(v * 256) / 256;
          // 0x7FFF7FFF: a NaN as one float and as two halves.
          std::vector<std::uint32_t> storage(static_cast<std::size_t>(chunks) * 3 * chunk, 0x7FFF7FFFu);
          const HeadCache cache{reinterpret_cast<float*>(storage.data()), reinterpret_cast<std::uint16_t*>(storage.data() + chunk),
                                3 * chunk * sizeof(float), dim};
          for (int j = 0; j < count; ++j)
            for (int d = 0; d < dim; ++d) {
              cache.key(first + j, d) = key_rows[static_cast<std::size_t>(j) * dim + d];
              cache.value(first + j)[d] = float_to_f16(value_rows[static_cast<std::size_t>(j) * dim + d]);
            }
          for (float softcap : {0.0f, 2.0f}) {
            // softmax(q·k / √dim) · v in double, query by query.
            std::vector<double> expected(static_cast<std::size_t>(queries) * dim, 0.0);
            for (int i = 0; i < queries; ++i) {
              std::vector<double> weights(static_cast<std::size_t>(count));
              double highest = -1e300, total = 0;
              for (int j = 0; j < count; ++j) {
                double score = 0;
                for (int d = 0; d < dim; ++d) score += static_cast<double>(q[i * dim + d]) * key_rows[j * dim + d];
                score /= std::sqrt(static_cast<double>(dim));
                if (softcap > 0) score = softcap * std::tanh(score / softcap);
                weights[j] = score;
                highest = std::max(highest, score);
              }
              for (auto& w : weights) total += w = std::exp(w - highest);
              for (int j = 0; j < count; ++j)
                for (int d = 0; d < dim; ++d) expected[i * dim + d] += weights[j] / total * value_rows[j * dim + d];
            }
            for (KernelPath path : supported_paths()) {
              std::vector<float> out(static_cast<std::size_t>(queries) * dim + 1, NAN);
              kernels_for(path).attend(q.data(), queries, cache, first, count, 1.0f / std::sqrt(static_cast<float>(dim)), softcap,
                                       out.data());
              for (int d = 0; d < queries * dim; ++d)
                ASSERT_NEAR(out[d], expected[d], 1e-5) << path_name(path) << " dim " << dim << " count " << count << " first " << first
                                                       << " queries " << queries << " at " << d;
              EXPECT_TRUE(std::isnan(out.back())) << "wrote past the heads";
            }
          }
        }
      }
    }
  }
}

// The first position of the highest value, NaNs never it, on lengths with and without a vector
// tail, wherever the highest lies and with an equal value after it.
TEST(CpuKernels, FirstHighestIsTheFirstOfTheHighestOnEveryPath) {
  const auto expected_of = [](const std::vector<float>& x) {
    float highest = -INFINITY;
    for (float v : x)
      if (v > highest) highest = v;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i] == highest) return i;
    return std::size_t{0};
  };
  std::vector<std::vector<float>> cases;
  for (std::size_t n : {1, 7, 16, 17, 100, 1000, 151936}) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>((i * 7919) % 1000) / 100.0f;
    for (std::size_t at : {std::size_t{0}, n / 3, n - 1}) {
      auto copy = x;
      copy[at] = 50.0f;
      if (at + 1 < n) copy[n - 1] = 50.0f;  // the same value later
      cases.push_back(copy);
      copy[0] = NAN;
      cases.push_back(copy);
    }
  }
  cases.push_back(std::vector<float>(40, -INFINITY));
  auto nan_first = std::vector<float>(40, -INFINITY);
  nan_first[0] = NAN;
  cases.push_back(nan_first);
  for (KernelPath path : supported_paths())
    for (std::size_t c = 0; c < cases.size(); ++c)
      EXPECT_EQ(kernels_for(path).first_highest(cases[c].data(), cases[c].size()), expected_of(cases[c]))
          << path_name(path) << " case " << c << " of length " << cases[c].size();
}

TEST(CpuKernels, ToHalfGivesIeeeHalvesClampedOnEveryPath) {
  // IEEE binary16 bit patterns, ties to even; beyond the largest finite half, clamped to it.
  const std::pair<float, std::uint16_t> cases[] = {
      {1.0f, 0x3C00},          {-2.0f, 0xC000},         {0.1f, 0x2E66},           {1.0f / 3, 0x3555},
      {-0.0f, 0x8000},         {65504.0f, 0x7BFF},      {65519.0f, 0x7BFF},       {1e6f, 0x7BFF},
      {-1e6f, 0xFBFF},         {INFINITY, 0x7BFF},      {0x1p-14f, 0x0400},       {0x1p-24f, 0x0001},
      {0x1p-25f, 0x0000},      {0x1.8p-25f, 0x0001},    {0x3FFp-24f, 0x03FF},     {1 + 0x1p-11f, 0x3C00},
      {1 + 0x3p-11f, 0x3C02},  {-(1 + 0x1p-10f), 0xBC01}, {0x1.FFEp-15f, 0x0400}, {1e-9f, 0x0000},
  };
  // 37 values: whole vectors and a tail on every path.
  std::vector<float> in;
  std::vector<std::uint16_t> expected;
  for (int i = 0; i < 37; ++i) {
    in.push_back(cases[i % std::size(cases)].first);
    expected.push_back(cases[i % std::size(cases)].second);
  }
  for (KernelPath path : supported_paths()) {
    std::vector<std::uint16_t> out(in.size() + 1, 0xABCD);
    kernels_for(path).to_half(in.data(), out.data(), static_cast<int>(in.size()));
    for (std::size_t i = 0; i < in.size(); ++i)
      EXPECT_EQ(out[i], expected[i]) << path_name(path) << " value " << in[i] << " at " << i;
    EXPECT_EQ(out.back(), 0xABCD) << path_name(path) << " wrote past the end";
  }
}

TEST(CpuKernels, WidenedRowsEqualDequantizedRows) {
  for (KernelPath path : supported_paths()) {
    const Kernels& kernels = kernels_for(path);
    for (const auto& [name, w] : cases()) {
      std::vector<float> got(static_cast<std::size_t>(w.rows - 3) * w.cols), expected(static_cast<std::size_t>(w.cols));
      kernels.widen_rows(w, 3, w.rows, got.data());
      for (int r = 3; r < w.rows; ++r) {
        w.dequantize_row(r, expected.data());
        for (int c = 0; c < w.cols; ++c)
          ASSERT_NEAR(got[static_cast<std::size_t>(r - 3) * w.cols + c], expected[c], 1e-6 * std::fabs(expected[c]) + 1e-7)
              << path_name(path) << " " << name << " row " << r << " column " << c;
      }
    }
  }
}

TEST(CpuKernels, ForcedPathIsHonouredOrRefusedByName) {
  // active_kernels() reads SWITCHBOARD_CPU_KERNELS once per process; CI runs the suites again with
  // it set to avx2, so here: whatever it names is what runs.
  const char* forced = std::getenv("SWITCHBOARD_CPU_KERNELS");
  if (forced && *forced) EXPECT_STREQ(path_name(active_kernels().path), forced);
  else EXPECT_EQ(active_kernels().path, supported_paths().back());
}

TEST(ThreadPool, EveryIndexRunsExactlyOnceAcrossManyLoops) {
  ThreadPool pool(3);
  for (int round = 0; round < 200; ++round) {
    const std::int64_t count = 1 + round * 7;
    std::vector<int> hits(static_cast<std::size_t>(count), 0);
    pool.parallel_for(count, 3, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t i = first; i < last; ++i) ++hits[static_cast<std::size_t>(i)];
    });
    for (std::int64_t i = 0; i < count; ++i) ASSERT_EQ(hits[static_cast<std::size_t>(i)], 1) << "round " << round << " index " << i;
  }
}

// A buffer of `backend` holding `values`, put there as the forward pass puts its input: embedded
// from a table whose rows they are.
std::unique_ptr<Buffer> filled(Backend& backend, const std::vector<float>& values, int width) {
  WeightMatrix table = float_matrix(static_cast<int>(values.size()) / width, width, 0);
  std::memcpy(table.owned.data(), values.data(), values.size() * sizeof(float));
  std::vector<std::int32_t> ids(static_cast<std::size_t>(table.rows));
  std::iota(ids.begin(), ids.end(), 0);
  auto buffer = backend.allocate(values.size());
  backend.upload(table);
  backend.embed(table, ids, 1.0f, View{buffer.get()});
  return buffer;
}

// A KV cache is one mapping advised for huge pages (VmFlags "hg") whose memory grows with the
// positions written: 16 positions of every layer and head touch its first row of chunks
// (2.25 MiB), two huge pages at most, where a cache laid out a head at a time would touch every
// head's stretch, 36 MiB.
TEST(CpuBackend, KvCacheMemoryGrowsWithThePositionsWritten) {
  auto backend = make_cpu_backend(1);
  constexpr int kLayers = 6, kPositions = 4096, kHeads = 4, kDim = 64, kTokens = 16;
  // 16 rows of 6 × 4 chunks of 256 × 64 floats (keys) and as many halves (values): 36 MiB, a
  // size no other mapping of this process has.
  constexpr long kMappingKb = 36 * 1024;
  CacheBuffers caches = backend->allocate_caches(kLayers, kPositions, kHeads, kDim);
  ASSERT_EQ(caches.keys.size(), static_cast<std::size_t>(kLayers));
  ASSERT_EQ(caches.values.size(), static_cast<std::size_t>(kLayers));
  const AttentionShape shape{kHeads, kHeads, kDim, 0.125f, 0, 0, kPositions};
  auto k = filled(*backend, random_values(static_cast<std::size_t>(kTokens) * kHeads * kDim, 1), kDim);
  auto v = filled(*backend, random_values(static_cast<std::size_t>(kTokens) * kHeads * kDim, 2), kDim);
  for (int l = 0; l < kLayers; ++l)
    backend->store_kv(View{k.get()}, View{v.get()}, kTokens, 0, shape, View{caches.keys[l].get()}, View{caches.values[l].get()});
  std::ifstream smaps("/proc/self/smaps");
  ASSERT_TRUE(smaps) << "no /proc/self/smaps";
  long size_kb = 0, rss_kb = -1, found_rss_kb = -1;
  for (std::string line; std::getline(smaps, line);) {
    if (line.rfind("Size:", 0) == 0) size_kb = std::stol(line.substr(5));
    if (line.rfind("Rss:", 0) == 0) rss_kb = std::stol(line.substr(4));
    if (line.rfind("VmFlags:", 0) == 0 && size_kb == kMappingKb) {
      EXPECT_NE((line + " ").find(" hg "), std::string::npos) << "the cache's mapping is not advised for huge pages: " << line;
      found_rss_kb = rss_kb;
    }
  }
  ASSERT_GE(found_rss_kb, 0) << "no mapping of " << kMappingKb << " kB";
  EXPECT_LE(found_rss_kb, 4096) << "16 positions took " << found_rss_kb << " kB of the cache";
  EXPECT_GT(found_rss_kb, 0);
}

// Products of one input quantized differently (MLX's per-module overrides) each take the
// integer kernels with the input quantized for them, as if multiplied alone; they used to fall
// back together to the float kernels.
TEST(CpuBackend, MixedQuantizationsEachTakeTheIntegerKernels) {
  auto backend = make_cpu_backend(2);
  constexpr int kRows = 96, kCols = 256;
  const WeightMatrix source = float_matrix(kRows, kCols, 7);
  const WeightMatrix q4 = quantize_affine(source, 4, 64), q8 = quantize_affine(source, 8, 64), q4_g32 = quantize_affine(source, 4, 32);
  const WeightMatrix bf16 = narrowed(source, WeightFormat::bf16);
  const std::vector<const WeightMatrix*> weights{&q4, &q8, &q8, &q4_g32, &bf16, &q4};
  for (int tokens : {1, 16}) {
    SCOPED_TRACE(std::to_string(tokens) + " tokens");
    const std::size_t each = static_cast<std::size_t>(tokens) * kRows;
    auto in = filled(*backend, random_values(static_cast<std::size_t>(tokens) * kCols, tokens), kCols);
    auto together = backend->allocate(weights.size() * each), alone = backend->allocate(weights.size() * each);
    std::vector<Product> products;
    for (std::size_t i = 0; i < weights.size(); ++i) products.push_back({weights[i], View{together.get(), i * each}});
    backend->matmuls(products, View{in.get()}, tokens);
    for (std::size_t i = 0; i < weights.size(); ++i) backend->matmul(*weights[i], View{in.get()}, tokens, View{alone.get(), i * each});
    std::vector<float> expected(weights.size() * each), actual(weights.size() * each);
    backend->read(View{alone.get()}, expected);
    backend->read(View{together.get()}, actual);
    EXPECT_EQ(actual, expected);
  }
}

// Each thread streams a stretch of its own (half the loop each, here), front to back in pieces
// that shrink to the grain, and one that runs out takes from the back of the other's: rows side
// by side stay one stream.
TEST(ThreadPool, EachThreadStreamsItsOwnStretchFrontToBack) {
  ThreadPool pool(2);
  constexpr std::int64_t kCount = 10000, kGrain = 16;
  std::mutex mutex;
  std::map<std::thread::id, std::vector<std::pair<std::int64_t, std::int64_t>>> pieces;  // each thread's, in the order run
  std::atomic<int> started{0};
  pool.parallel_for(kCount, kGrain, [&](std::int64_t first, std::int64_t last) {
    bool first_piece;
    {
      std::lock_guard lock(mutex);
      auto& mine = pieces[std::this_thread::get_id()];
      first_piece = mine.empty();
      mine.emplace_back(first, last);
    }
    if (first_piece) {  // both threads into their first piece before either goes on
      ++started;
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (started < 2 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
    }
  });
  ASSERT_EQ(pieces.size(), 2u);
  std::vector<std::int64_t> starts;
  std::vector<int> hits(kCount, 0);
  bool some_thread_ends_on_the_grain = false;
  for (const auto& [thread, runs] : pieces) {
    starts.push_back(runs.front().first);
    // Its own stretch first: each piece where the last ended, at most a quarter of what was left.
    const std::int64_t end = runs.front().first == 0 ? kCount / 2 : kCount;
    for (std::size_t i = 0; i < runs.size() && (i == 0 || runs[i].first == runs[i - 1].second); ++i)
      EXPECT_LE(runs[i].second - runs[i].first, std::max(kGrain, (end - runs[i].first) / 4)) << "piece " << i;
    // (A thread whose stretch the other emptied while it ran a piece ends on that piece.)
    some_thread_ends_on_the_grain = some_thread_ends_on_the_grain || runs.back().second - runs.back().first <= kGrain;
    for (const auto& [first, last] : runs)
      for (std::int64_t index = first; index < last; ++index) ++hits[static_cast<std::size_t>(index)];
  }
  std::sort(starts.begin(), starts.end());
  EXPECT_EQ(starts, (std::vector<std::int64_t>{0, kCount / 2}));
  EXPECT_TRUE(some_thread_ends_on_the_grain);
  EXPECT_EQ(std::count(hits.begin(), hits.end(), 1), kCount);
}

TEST(ThreadPool, UsesItsWorkers) {
  ThreadPool pool(2);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  for (int round = 0; round < 50 && seen.size() < 2; ++round)
    pool.parallel_for(64, 1, [&](std::int64_t, std::int64_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard lock(mutex);
      seen.insert(std::this_thread::get_id());
    });
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
