// A loaded model's generations on a backend that counts what they allocate.

#include <atomic>

#include <gtest/gtest.h>

#include "backends/forwarding_backend.hpp"
#include "backends/profiling_backend.hpp"
#include "fixtures.hpp"
#include "plugin/loaded_model.hpp"
#include "plugin/local_model.hpp"

namespace {

using namespace switchboard;
using namespace switchboard::local;

class CountingBackend final : public ForwardingBackend {
 public:
  CountingBackend() : ForwardingBackend(make_cpu_backend(1)) {}
  std::unique_ptr<Buffer> allocate(std::size_t floats) override {
    ++buffers;
    return ForwardingBackend::allocate(floats);
  }
  CacheBuffers allocate_caches(int layers, int positions, int kv_heads, int head_dim) override {
    ++caches;
    return ForwardingBackend::allocate_caches(layers, positions, kv_heads, head_dim);
  }
  std::atomic<int> buffers{0}, caches{0};
};

Request greedy_raw(const std::string& prompt, int max_tokens) {
  Request request;
  request.prompt = prompt;
  request.options.temperature = 0;
  request.options.max_tokens = max_tokens;
  return request;
}

// A model fixture on `backend`, with a context of 128 and prompts prefilled `prefill_chunk`
// tokens a pass.
std::shared_ptr<LocalModel> fixture_model(const std::string& fixture, int prefill_chunk, std::shared_ptr<Backend> backend) {
  ModelEntry entry;
  entry.name = fixture;
  entry.provider = "cpu";
  LocalModelSettings settings;
  settings.folder = fixtures::model_fixture(fixture);
  settings.context = 128;
  settings.prefill_chunk = prefill_chunk;
  return LocalModel::create(entry, settings, load_model_folder, std::move(backend));
}

// The activations' buffers and the KV cache are made once: each generation that made its own
// landed wherever the heap's history put them, and a process's peak memory moved with it.
TEST(LocalModel, GenerationsAfterTheFirstAllocateNothing) {
  auto backend = std::make_shared<CountingBackend>();
  auto model = fixture_model("qwen2", 8, backend);

  const Completion first = model->generate(greedy_raw("One two three four five six seven eight nine ten eleven", 6));
  ASSERT_FALSE(first.error) << first.error->what();
  EXPECT_GT(backend->buffers.load(), 0);
  EXPECT_GT(backend->caches.load(), 0);
  const int buffers = backend->buffers, caches = backend->caches;

  // Another prompt, as long, and a shorter one: nothing new is needed for either.
  for (const char* prompt : {"Eleven ten nine eight seven six five four three two one", "Hello"}) {
    const Completion next = model->generate(greedy_raw(prompt, 6));
    ASSERT_FALSE(next.error) << next.error->what();
    EXPECT_EQ(next.usage.completion_tokens, 6);
  }
  EXPECT_EQ(backend->buffers.load(), buffers);
  EXPECT_EQ(backend->caches.load(), caches);
}

// The 4-bit qwen2 fixture (2 layers, hidden 128, 4 heads of 32, 2 KV heads, ffn 256, vocab 1024,
// tied) through a profile: every forward pass's calls counted in its phase, and each product's
// weight bytes as the MLX format lays them out (4-bit values, a 2-byte scale and bias per 64).
TEST(LocalModel, AProfileCountsEachPhasesCallsAndTheBytesEachProductReads) {
  auto backend = std::make_shared<ProfilingBackend>(make_cpu_backend(2));
  auto model = fixture_model("qwen2_mlx_4bit", 4, backend);
  const Completion done = model->generate(greedy_raw("One two three four five six seven eight nine ten eleven", 5));
  ASSERT_FALSE(done.error) << done.error->what();

  const auto bytes = [](double rows, double cols) { return rows * cols / 2 + rows * (cols / 64) * 4; };
  for (const auto* phase : {&backend->prefill(), &backend->decode()}) {
    const std::int64_t passes = phase->at("embed").calls;
    ASSERT_GT(passes, 0);
    EXPECT_EQ(phase->at("attention").calls, 2 * passes);
    EXPECT_EQ(phase->at("store_kv").calls, 2 * passes);
    const std::pair<const char*, double> products[] = {{"matmuls 128x128+64x128+64x128", bytes(128, 128) + 2 * bytes(64, 128)},
                                                       {"matmuls 128x128", bytes(128, 128)},
                                                       {"matmuls 256x128+256x128", 2 * bytes(256, 128)},
                                                       {"matmuls 128x256", bytes(128, 256)}};
    for (const auto& [name, weight_bytes] : products) {
      const ProfilingBackend::Entry& product = phase->at(name);
      EXPECT_EQ(product.calls, 2 * passes) << name;
      EXPECT_DOUBLE_EQ(product.weight_bytes, weight_bytes * static_cast<double>(product.calls)) << name;
      EXPECT_GT(product.seconds, 0) << name;
    }
    EXPECT_EQ(phase->at("matmuls 1024x128").calls, passes);
    EXPECT_EQ(phase->at("attention").weight_bytes, 0);
  }
  // The prompt in pieces of 4 tokens, then one pass for each generated token. A pass is decode
  // when it has one token: a prompt's last piece may be one.
  const std::int64_t pieces = done.usage.prompt_tokens / 4, tail = done.usage.prompt_tokens % 4;
  EXPECT_EQ(backend->prefill().at("embed").calls, pieces + (tail > 1 ? 1 : 0));
  EXPECT_EQ(backend->decode().at("embed").calls, done.usage.completion_tokens + (tail == 1 ? 1 : 0));
}

}  // namespace
