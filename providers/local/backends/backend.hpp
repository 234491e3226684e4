#pragma once
// What the forward pass needs from a compute backend, and nothing more: buffers of floats that
// live where the backend computes (host memory, GPU memory), the weights made resident there,
// and a dozen operations over rows of activations. Operations may run asynchronously; read()
// waits for everything queued before it, so a backend may batch one forward pass into one
// submission.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/weight_matrix.hpp"
#include "model/model_config.hpp"

namespace switchboard::local {

// An array of floats owned by a backend.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual std::size_t size() const = 0;  // in floats
};

// A position inside a buffer, in floats.
struct View {
  Buffer* buffer = nullptr;
  std::size_t offset = 0;

  View at(std::size_t floats) const { return {buffer, offset + floats}; }
};

struct AttentionShape {
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  float scale = 0;    // multiplies q·k
  float softcap = 0;  // 0 = none; else cap * tanh(score / cap)
  int window = 0;     // keys a query sees, itself included; 0 = all before it
  int cache_positions = 0;  // the positions a layer's cache holds
};

// A model's key and value caches, one of each per layer, laid out as the backend's store_kv
// writes them.
struct CacheBuffers {
  std::vector<std::unique_ptr<Buffer>> keys, values;
};

// One weight of a batch of products that share their input.
struct Product {
  const WeightMatrix* w;
  View out;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // What `switchboard providers` shows: device, memory, threads, kernel path.
  virtual nlohmann::json describe() const = 0;
  // Prompt tokens per forward pass while prefilling: a CPU wants activations that stay in its
  // caches, a GPU as many tokens per dispatch as it can get.
  virtual int prefill_chunk() const { return 256; }
  // Whether products read the weights where they lie in host memory, as the CPU does (a GPU
  // copies them to its own memory): they then stream faster from huge pages than from the
  // file's mapping.
  virtual bool reads_weights_in_host_memory() const { return false; }

  virtual std::unique_ptr<Buffer> allocate(std::size_t floats) = 0;
  // Every layer's key and value caches for `positions` positions of kv_heads × head_dim values:
  // allocated for the whole context, filled a position at a time. By default a buffer of floats
  // of each per layer, laid out as the default store_kv says; a backend may lay them out together
  // and keep them in other types (the CPU keeps values in halves).
  virtual CacheBuffers allocate_caches(int layers, int positions, int kv_heads, int head_dim) {
    CacheBuffers caches;
    const std::size_t floats = static_cast<std::size_t>(positions) * kv_heads * head_dim;
    for (int l = 0; l < layers; ++l) {
      caches.keys.push_back(allocate(floats));
      caches.values.push_back(allocate(floats));
    }
    return caches;
  }
  // Makes a weight resident once (a GPU uploads it; the CPU uses it in place). Operations may
  // only be given weights uploaded before. Throws Error(resource) when it does not fit.
  virtual void upload(const WeightMatrix& weight) = 0;
  virtual void upload(std::span<const float> vector) = 0;
  // Waits for queued work, then copies floats out.
  virtual void read(View source, std::span<float> out) = 0;
  // `n` floats of `source` where the host can use them in place (a CPU's buffers, which a copy of
  // the output head's logits cost decode about 50 µs a token), valid until an operation writes
  // them again; empty where they must be read.
  virtual std::span<float> in_place(View /*source*/, std::size_t /*n*/) { return {}; }

  // out[t][r] = Σc w[r][c] · in[t][c]
  virtual void matmul(const WeightMatrix& w, View in, int tokens, View out) = 0;
  // matmul for each product, all of one input (q, k and v; gate and up): a backend may run them
  // as one piece of work. By default, one after another.
  virtual void matmuls(std::span<const Product> products, View in, int tokens) {
    for (const Product& product : products) matmul(*product.w, in, tokens, product.out);
  }
  // out[t] = row ids[t] of the table, times scale.
  virtual void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) = 0;
  // out[r] = in[r] / rms(in[r]) · w (or · (1 + w)), for `rows` rows of `dim`. in may equal out.
  virtual void rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) = 0;
  // Rotates each head of each token in place (rotate-half layout); token t is at first_position + t.
  virtual void rope(View x, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) = 0;
  // Writes `tokens` rows of keys and values (k and v: kv_heads × head_dim each) into a layer's
  // caches (allocate_caches's, for shape.cache_positions) from first_position on. How a
  // cache is laid out is the backend's choice, which its attention reads: by default
  // [position][kv_head][head_dim].
  virtual void store_kv(View k, View v, int tokens, int first_position, const AttentionShape& shape, View key_cache,
                        View value_cache) {
    const std::size_t width = static_cast<std::size_t>(shape.kv_heads) * shape.head_dim;
    copy(k, key_cache.at(static_cast<std::size_t>(first_position) * width), static_cast<std::size_t>(tokens) * width);
    copy(v, value_cache.at(static_cast<std::size_t>(first_position) * width), static_cast<std::size_t>(tokens) * width);
  }
  // For each query token t (at first_position + t) and head: softmax over the visible cached keys
  // of (q·k) · scale, then the weighted sum of the cached values, from caches store_kv wrote.
  virtual void attention(View q, View key_cache, View value_cache, int tokens, int first_position, const AttentionShape& shape,
                         View out) = 0;
  // out = act(gate) · up, elementwise over n values.
  virtual void gated_activation(View gate, View up, std::size_t n, Activation activation, View out) = 0;
  // x += delta, over n values.
  virtual void add(View x, View delta, std::size_t n) = 0;
  // Each of `rows` rows of x (bias.size() wide) += bias.
  virtual void add_bias(View x, std::span<const float> bias, int rows) = 0;
  virtual void copy(View source, View destination, std::size_t n) = 0;
  // x = cap · tanh(x / cap), over n values.
  virtual void softcap(View x, std::size_t n, float cap) = 0;

  // One forward pass at a time: a backend's queue and workers serve one caller.
  std::mutex& pass_mutex() { return pass_mutex_; }

 private:
  std::mutex pass_mutex_;
};

struct BackendOptions {
  std::string kind = "cpu";      // cpu | vulkan | auto
  int threads = 0;               // cpu: worker threads; 0 = one per core
  std::string device;            // vulkan: an index or part of a name; empty = the best GPU
  std::size_t memory_limit = 0;  // vulkan: bytes the backend may allocate; 0 = the device's
};

// Throws Error(config) naming the option when the kind is unknown or its device is missing.
std::shared_ptr<Backend> make_backend(const BackendOptions& options);

std::unique_ptr<Backend> make_cpu_backend(int threads = 0);

}  // namespace switchboard::local
