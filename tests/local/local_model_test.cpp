// A loaded model's generations on a backend that counts what they allocate.

#include <atomic>

#include <gtest/gtest.h>

#include "backends/forwarding_backend.hpp"
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
  std::unique_ptr<Buffer> allocate_cache(std::size_t floats) override {
    ++caches;
    return ForwardingBackend::allocate_cache(floats);
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

// The activations' buffers and the KV cache are made once: each generation that made its own
// landed wherever the heap's history put them, and a process's peak memory moved with it.
TEST(LocalModel, GenerationsAfterTheFirstAllocateNothing) {
  auto backend = std::make_shared<CountingBackend>();
  ModelEntry entry;
  entry.name = "qwen2";
  entry.provider = "cpu";
  LocalModelSettings settings;
  settings.folder = fixtures::model_fixture("qwen2");
  settings.context = 128;
  settings.prefill_chunk = 8;
  auto model = LocalModel::create(entry, settings, load_model_folder, backend);

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

}  // namespace
