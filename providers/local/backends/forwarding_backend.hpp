#pragma once
// A backend that hands every call to another: the base for one that changes a few of them (what
// `backend: auto` chose, a test's backend that counts allocations).

#include <memory>
#include <utility>

#include "backends/backend.hpp"

namespace switchboard::local {

class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(std::shared_ptr<Backend> inner) : inner_(std::move(inner)) {}

  std::string name() const override { return inner_->name(); }
  nlohmann::json describe() const override { return inner_->describe(); }
  int prefill_chunk() const override { return inner_->prefill_chunk(); }
  bool reads_weights_in_host_memory() const override { return inner_->reads_weights_in_host_memory(); }
  std::unique_ptr<Buffer> allocate(std::size_t floats) override { return inner_->allocate(floats); }
  CacheBuffers allocate_caches(int layers, int positions, int kv_heads, int head_dim) override {
    return inner_->allocate_caches(layers, positions, kv_heads, head_dim);
  }
  void upload(const WeightMatrix& weight) override { inner_->upload(weight); }
  void upload(std::span<const float> vector) override { inner_->upload(vector); }
  void read(View source, std::span<float> out) override { inner_->read(source, out); }
  std::span<float> in_place(View source, std::size_t n) override { return inner_->in_place(source, n); }
  void matmul(const WeightMatrix& w, View in, int tokens, View out) override { inner_->matmul(w, in, tokens, out); }
  void matmuls(std::span<const Product> products, View in, int tokens) override { inner_->matmuls(products, in, tokens); }
  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) override {
    inner_->embed(table, ids, scale, out);
  }
  void rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) override {
    inner_->rms_norm(in, weight, rows, dim, eps, adds_one, out);
  }
  void rope(View x, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) override {
    inner_->rope(x, tokens, heads, head_dim, first_position, inverse_frequencies);
  }
  void store_kv(View k, View v, int tokens, int first_position, const AttentionShape& shape, View key_cache,
                View value_cache) override {
    inner_->store_kv(k, v, tokens, first_position, shape, key_cache, value_cache);
  }
  void attention(View q, View key_cache, View value_cache, int tokens, int first_position, const AttentionShape& shape,
                 View out) override {
    inner_->attention(q, key_cache, value_cache, tokens, first_position, shape, out);
  }
  void gated_activation(View gate, View up, std::size_t n, Activation activation, View out) override {
    inner_->gated_activation(gate, up, n, activation, out);
  }
  void add(View x, View delta, std::size_t n) override { inner_->add(x, delta, n); }
  void add_bias(View x, std::span<const float> bias, int rows) override { inner_->add_bias(x, bias, rows); }
  void copy(View source, View destination, std::size_t n) override { inner_->copy(source, destination, n); }
  void softcap(View x, std::size_t n, float cap) override { inner_->softcap(x, n, cap); }

 private:
  std::shared_ptr<Backend> inner_;
};

}  // namespace switchboard::local
