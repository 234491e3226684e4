// Every operation of the Vulkan backend against the CPU backend (the reference semantics), on
// random inputs, for every stored weight form and both matrix-vector and matrix-matrix sizes.

#include <cmath>
#include <deque>
#include <random>

#include <gtest/gtest.h>

#include "vulkan_test_support.hpp"

namespace {

using namespace switchboard;
using namespace switchboard::local;
using switchboard::vulkan_test::random_weight;

// The same operation on both backends: inputs are placed in each through embed() of a float32
// table (the interface has no other way in), outputs read back and compared.
// Parametrised by the reduction path: subgroup operations, or shared memory only (the path for
// devices without subgroups, forced through SWITCHBOARD_VULKAN_SUBGROUPS=0).
class VulkanOps : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
    if (GetParam()) {
      unsetenv("SWITCHBOARD_VULKAN_SUBGROUPS");
    } else {
      setenv("SWITCHBOARD_VULKAN_SUBGROUPS", "0", 1);
    }
    gpu = make_vulkan_backend();
    unsetenv("SWITCHBOARD_VULKAN_SUBGROUPS");
    if (!GetParam()) {
      ASSERT_EQ(gpu->describe()["kernels"], "shared-memory reductions");
    }
    cpu = make_cpu_backend(1);
  }

  struct Pair {
    std::unique_ptr<Buffer> cpu, gpu;
    View on(Backend& backend) const { return {(&backend == cpu_backend ? cpu : gpu).get(), 0}; }
    Backend* cpu_backend;
  };

  // A buffer of `values.size()` floats holding `values` on both backends.
  Pair filled(const std::vector<float>& values, int width) {
    auto& table = tables.emplace_back();
    table.name = "input";
    table.format = WeightFormat::f32;
    table.rows = static_cast<int>(values.size()) / width;
    table.cols = width;
    table.owned.resize(values.size() * 4);
    std::memcpy(table.owned.data(), values.data(), values.size() * 4);
    table.data = table.owned.data();
    std::vector<std::int32_t> ids(static_cast<std::size_t>(table.rows));
    for (int i = 0; i < table.rows; ++i) ids[static_cast<std::size_t>(i)] = i;
    Pair pair{cpu->allocate(values.size()), gpu->allocate(values.size()), cpu.get()};
    for (Backend* backend : {cpu.get(), gpu.get()}) {
      backend->upload(table);
      backend->embed(table, ids, 1.0f, pair.on(*backend));
    }
    return pair;
  }
  Pair random_buffer(std::size_t count, int width, float scale = 1.0f) {
    std::uniform_real_distribution<float> uniform(-scale, scale);
    std::vector<float> values(count);
    for (float& v : values) v = uniform(rng);
    return filled(values, width);
  }
  Pair empty(std::size_t count) { return {cpu->allocate(count), gpu->allocate(count), cpu.get()}; }
  // One layer's key and value caches on both backends.
  std::pair<Pair, Pair> caches(int positions, int kv_heads, int head_dim) {
    CacheBuffers on_cpu = cpu->allocate_caches(1, positions, kv_heads, head_dim), on_gpu = gpu->allocate_caches(1, positions, kv_heads, head_dim);
    return {Pair{std::move(on_cpu.keys[0]), std::move(on_gpu.keys[0]), cpu.get()},
            Pair{std::move(on_cpu.values[0]), std::move(on_gpu.values[0]), cpu.get()}};
  }
  const std::vector<float>& vector(std::size_t count, float low, float high) {
    std::uniform_real_distribution<float> uniform(low, high);
    auto& v = vectors.emplace_back(count);
    for (float& x : v) x = uniform(rng);
    cpu->upload(v);
    gpu->upload(v);
    return v;
  }

  // Reads `count` floats of both and expects them within tolerance · (1 + largest |cpu value|).
  void expect_close(const Pair& pair, std::size_t count, double tolerance, const std::string& what) {
    std::vector<float> expected(count), actual(count);
    cpu->read(pair.on(*cpu), expected);
    gpu->read(pair.on(*gpu), actual);
    double largest = 0, worst = 0;
    std::size_t worst_at = 0;
    for (std::size_t i = 0; i < count; ++i) {
      largest = std::max(largest, static_cast<double>(std::fabs(expected[i])));
      const double diff = std::fabs(static_cast<double>(expected[i]) - actual[i]);
      if (!(diff <= worst)) {
        worst = std::isnan(diff) ? INFINITY : diff;
        worst_at = i;
      }
    }
    EXPECT_LE(worst, tolerance * (1 + largest)) << what << ": at " << worst_at << " cpu " << expected[worst_at] << " vulkan "
                                                << actual[worst_at];
    EXPECT_GT(largest, 0) << what << ": an all-zero result proves nothing";
  }

  std::mt19937 rng{1234};
  std::shared_ptr<Backend> gpu, cpu;
  std::deque<WeightMatrix> tables;
  std::deque<std::vector<float>> vectors;
};

struct FormatCase {
  WeightFormat format;
  DType scale_dtype;
  int group_size;
};

const FormatCase kFormats[] = {
    {WeightFormat::f32, DType::bf16, 0},      {WeightFormat::f16, DType::bf16, 0},     {WeightFormat::bf16, DType::bf16, 0},
    {WeightFormat::affine4, DType::bf16, 64}, {WeightFormat::affine4, DType::f16, 32}, {WeightFormat::affine4, DType::f32, 128},
    {WeightFormat::affine8, DType::bf16, 64}, {WeightFormat::affine8, DType::f16, 32},
};

std::string label(const FormatCase& f) {
  return std::string(weight_format_name(f.format)) + " scales " + dtype_name(f.scale_dtype) + " group " + std::to_string(f.group_size);
}

TEST_P(VulkanOps, MatmulEveryFormatDecodeAndPrefillSizes) {
  const int rows = 70, cols = 256;  // rows not a multiple of any tile
  for (const auto& f : kFormats) {
    auto& w = tables.emplace_back(random_weight(f.format, f.scale_dtype, rows, cols, f.group_size, rng));
    cpu->upload(w);
    gpu->upload(w);
    for (int tokens : {1, 5, 9, 70}) {
      auto in = random_buffer(static_cast<std::size_t>(tokens) * cols, cols);
      // Written at an offset, to check offsets are honoured.
      auto out = empty(static_cast<std::size_t>(tokens + 1) * rows);
      for (Backend* b : {cpu.get(), gpu.get()}) b->matmul(w, in.on(*b), tokens, out.on(*b).at(rows));
      std::vector<float> expected(static_cast<std::size_t>(tokens) * rows), actual(expected.size());
      cpu->read(out.on(*cpu).at(rows), expected);
      gpu->read(out.on(*gpu).at(rows), actual);
      double largest = 0, worst = 0;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        largest = std::max(largest, static_cast<double>(std::fabs(expected[i])));
        worst = std::max(worst, static_cast<double>(std::fabs(expected[i] - actual[i])));
      }
      EXPECT_LE(worst, 1e-4 * (1 + largest)) << label(f) << ", " << tokens << " tokens";
      EXPECT_GT(largest, 0);
    }
  }
}

TEST_P(VulkanOps, MatvecOfRowsNotMadeOfWholeSixteenByteBlocks) {
  // 80 4-bit columns in groups of 16: 10 words a row, so the kernel reads word by word.
  auto& w = tables.emplace_back(random_weight(WeightFormat::affine4, DType::bf16, 33, 80, 16, rng));
  cpu->upload(w);
  gpu->upload(w);
  auto in = random_buffer(2 * 80, 80);
  auto out = empty(2 * 33);
  for (Backend* b : {cpu.get(), gpu.get()}) b->matmul(w, in.on(*b), 2, out.on(*b));
  expect_close(out, 2 * 33, 1e-4, "affine4 group 16");
}

TEST_P(VulkanOps, MatvecTallMatricesAndEveryTokenGroup) {
  // Tall matrices take 2 and 4 rows per thread team; 1, 2, 3 and 8 tokens each their own token
  // group. Row counts leave the last workgroup part empty.
  const FormatCase formats[] = {{WeightFormat::affine4, DType::bf16, 64}, {WeightFormat::affine8, DType::f16, 32}};
  for (const auto& f : formats) {
    for (int rows : {2050, 8201}) {
      const int cols = 384;
      auto& w = tables.emplace_back(random_weight(f.format, f.scale_dtype, rows, cols, f.group_size, rng));
      cpu->upload(w);
      gpu->upload(w);
      for (int tokens : {1, 2, 3, 8}) {
        auto in = random_buffer(static_cast<std::size_t>(tokens) * cols, cols);
        auto out = empty(static_cast<std::size_t>(tokens) * rows);
        for (Backend* b : {cpu.get(), gpu.get()}) b->matmul(w, in.on(*b), tokens, out.on(*b));
        expect_close(out, static_cast<std::size_t>(tokens) * rows, 1e-4,
                     label(f) + ", " + std::to_string(rows) + " rows, " + std::to_string(tokens) + " tokens");
      }
    }
  }
}

TEST_P(VulkanOps, EmbedEveryFormatWithScale) {
  for (const auto& f : kFormats) {
    auto& table = tables.emplace_back(random_weight(f.format, f.scale_dtype, 50, 128, f.group_size, rng));
    cpu->upload(table);
    gpu->upload(table);
    const std::vector<std::int32_t> ids = {3, 0, 49, 3, 17};
    for (float scale : {1.0f, 2.5f}) {
      auto out = empty(ids.size() * 128);
      for (Backend* b : {cpu.get(), gpu.get()}) b->embed(table, ids, scale, out.on(*b));
      expect_close(out, ids.size() * 128, 1e-6, "embed " + label(f));
    }
  }
}

TEST_P(VulkanOps, EmbedRefusesIdsOutsideTheTable) {
  auto& table = tables.emplace_back(random_weight(WeightFormat::bf16, DType::bf16, 10, 64, 0, rng));
  gpu->upload(table);
  auto out = gpu->allocate(64);
  const std::vector<std::int32_t> ids = {10};
  EXPECT_THROW(gpu->embed(table, ids, 1.0f, {out.get(), 0}), Error);
}

TEST_P(VulkanOps, RmsNormPlainAndAddsOneInPlace) {
  for (int dim : {64, 896, 2048}) {
    for (bool adds_one : {false, true}) {
      const int rows = 5;
      auto x = random_buffer(static_cast<std::size_t>(rows) * dim, dim, 3.0f);
      const auto& w = vector(dim, -1, 1);
      auto out = empty(static_cast<std::size_t>(rows) * dim);
      for (Backend* b : {cpu.get(), gpu.get()}) b->rms_norm(x.on(*b), w, rows, dim, 1e-6f, adds_one, out.on(*b));
      expect_close(out, static_cast<std::size_t>(rows) * dim, 1e-5, "rms_norm dim " + std::to_string(dim));
      for (Backend* b : {cpu.get(), gpu.get()}) b->rms_norm(x.on(*b), w, rows, dim, 1e-6f, adds_one, x.on(*b));
      expect_close(x, static_cast<std::size_t>(rows) * dim, 1e-5, "rms_norm in place dim " + std::to_string(dim));
    }
  }
}

TEST_P(VulkanOps, RopeAtLargePositions) {
  const int heads = 3, head_dim = 64, tokens = 4;
  std::vector<float> inverse(head_dim / 2);
  for (int i = 0; i < head_dim / 2; ++i) inverse[i] = std::pow(10000.0f, -2.0f * i / head_dim);
  auto& frequencies = vectors.emplace_back(inverse);
  cpu->upload(frequencies);
  gpu->upload(frequencies);
  for (int first_position : {0, 7, 5000, 100000}) {
    auto x = random_buffer(static_cast<std::size_t>(tokens) * heads * head_dim, head_dim);
    for (Backend* b : {cpu.get(), gpu.get()}) b->rope(x.on(*b), tokens, heads, head_dim, first_position, frequencies);
    expect_close(x, static_cast<std::size_t>(tokens) * heads * head_dim, 2e-5, "rope at " + std::to_string(first_position));
  }
}

struct AttentionCase {
  int tokens, first_position, heads, kv_heads, head_dim, window;
  float softcap;
};

TEST_P(VulkanOps, AttentionDecodePrefillGqaWindowSoftcap) {
  const AttentionCase cases[] = {
      {1, 0, 4, 4, 64, 0, 0},    {1, 37, 4, 2, 64, 0, 0},    {20, 0, 4, 1, 32, 0, 0},   {7, 10, 6, 2, 128, 0, 0},
      {1, 150, 2, 1, 64, 0, 0},  {9, 140, 4, 2, 256, 0, 0},  {12, 0, 4, 2, 64, 5, 0},   {1, 150, 2, 2, 64, 64, 0},
      {6, 3, 4, 2, 64, 0, 30.0f}, {1, 90, 4, 4, 64, 16, 50.0f},
      // Long caches: split into many slices merged afterwards (with a window: slices of the window).
      {1, 3000, 1, 1, 64, 0, 0}, {3, 1500, 4, 2, 64, 700, 0}, {40, 1100, 2, 1, 64, 0, 0}, {2, 2047, 2, 2, 128, 0, 20.0f},
  };
  for (const auto& c : cases) {
    const std::size_t positions = static_cast<std::size_t>(c.first_position) + c.tokens;
    const std::size_t q_width = static_cast<std::size_t>(c.heads) * c.head_dim, kv_width = static_cast<std::size_t>(c.kv_heads) * c.head_dim;
    auto q = random_buffer(c.tokens * q_width, c.head_dim, 2.0f);
    // Each backend's caches in its own layout, written as a transformer writes them.
    const int capacity = static_cast<int>(positions) + 3;
    auto k_rows = random_buffer(positions * kv_width, c.head_dim, 2.0f);
    // Values half precision holds exactly, multiples of 2^-8: the CPU keeps its cached values in
    // halves, the GPU in floats, and the same values must go in.
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> value_rows(positions * kv_width);
    for (float& value : value_rows) value = std::round(uniform(rng) * 256) / 256;
    auto v_rows = filled(value_rows, c.head_dim);
    auto [k, v] = caches(capacity, c.kv_heads, c.head_dim);
    auto out = empty(c.tokens * q_width);
    AttentionShape shape{c.heads, c.kv_heads, c.head_dim, 1.0f / std::sqrt(static_cast<float>(c.head_dim)), c.softcap, c.window,
                         capacity};
    for (Backend* b : {cpu.get(), gpu.get()}) {
      b->store_kv(k_rows.on(*b), v_rows.on(*b), static_cast<int>(positions), 0, shape, k.on(*b), v.on(*b));
      b->attention(q.on(*b), k.on(*b), v.on(*b), c.tokens, c.first_position, shape, out.on(*b));
    }
    expect_close(out, c.tokens * q_width, 2e-5,
                 "attention tokens " + std::to_string(c.tokens) + " at " + std::to_string(c.first_position) + " heads " +
                     std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) + " dim " + std::to_string(c.head_dim) + " window " +
                     std::to_string(c.window) + " softcap " + std::to_string(c.softcap));
  }
}

TEST_P(VulkanOps, GatedActivationsAddBiasCopySoftcap) {
  const std::size_t n = 3000;
  for (Activation activation : {Activation::silu, Activation::gelu_tanh}) {
    auto gate = random_buffer(n, 100, 6.0f), up = random_buffer(n, 100, 2.0f);
    auto out = empty(n);
    for (Backend* b : {cpu.get(), gpu.get()}) b->gated_activation(gate.on(*b), up.on(*b), n, activation, out.on(*b));
    expect_close(out, n, 1e-5, activation == Activation::silu ? "silu" : "gelu_tanh");
  }
  auto x = random_buffer(n, 100), delta = random_buffer(n, 100);
  for (Backend* b : {cpu.get(), gpu.get()}) b->add(x.on(*b), delta.on(*b), n);
  expect_close(x, n, 1e-6, "add");
  const auto& bias = vector(100, -1, 1);
  for (Backend* b : {cpu.get(), gpu.get()}) b->add_bias(x.on(*b), bias, static_cast<int>(n / 100));
  expect_close(x, n, 1e-6, "add_bias");
  auto copied = empty(2 * n);
  for (Backend* b : {cpu.get(), gpu.get()}) b->copy(x.on(*b), copied.on(*b).at(n), n);
  std::vector<float> expected(n), actual(n);
  cpu->read(x.on(*cpu), expected);
  gpu->read(copied.on(*gpu).at(n), actual);
  EXPECT_EQ(expected, actual) << "copy";
  auto big = random_buffer(n, 100, 80.0f);
  for (Backend* b : {cpu.get(), gpu.get()}) b->softcap(big.on(*b), n, 30.0f);
  expect_close(big, n, 1e-5, "softcap");
}

TEST_P(VulkanOps, ViewsOutsideTheirBufferAreRefused) {
  auto& w = tables.emplace_back(random_weight(WeightFormat::bf16, DType::bf16, 8, 64, 0, rng));
  gpu->upload(w);
  auto in = gpu->allocate(64), out = gpu->allocate(8);
  EXPECT_THROW(gpu->matmul(w, {in.get(), 0}, 2, {out.get(), 0}), Error);  // 2 tokens need 128 inputs
  EXPECT_THROW(gpu->add({out.get(), 4}, {out.get(), 0}, 8), Error);
}

TEST_P(VulkanOps, WeightsUsedBeforeUploadAreRefused) {
  auto& w = tables.emplace_back(random_weight(WeightFormat::f32, DType::bf16, 8, 64, 0, rng));
  auto in = gpu->allocate(64), out = gpu->allocate(8);
  EXPECT_THROW(gpu->matmul(w, {in.get(), 0}, 1, {out.get(), 0}), Error);
}

INSTANTIATE_TEST_SUITE_P(Reductions, VulkanOps, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "subgroups" : "shared_memory"; });

}  // namespace
