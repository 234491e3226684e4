#pragma once
// The operations the forward pass needs from a compute backend, and nothing more. Activations
// are row-major float32: `tokens` rows of a given width.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/weight_matrix.hpp"
#include "model/model_config.hpp"

namespace switchboard::local {

struct AttentionShape {
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  float scale = 0;    // multiplies q·k
  float softcap = 0;  // 0 = none; else cap * tanh(score / cap)
  int window = 0;     // keys a query sees, itself included; 0 = all before it
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // out[t][r] = Σc w[r][c] · in[t][c]
  virtual void matmul(const WeightMatrix& w, const float* in, int tokens, float* out) = 0;
  // out[t] = row ids[t] of the table, times scale.
  virtual void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, float* out) = 0;
  // out[r] = in[r] / rms(in[r]) · w (or · (1 + w)), for `rows` rows of `dim`. in may equal out.
  virtual void rms_norm(const float* in, const float* weight, int rows, int dim, float eps, bool adds_one, float* out) = 0;
  // Rotates each head of each token in place (rotate-half layout) by its position.
  virtual void rope(float* x, int tokens, int heads, int head_dim, const std::int32_t* positions, const float* inverse_frequencies) = 0;
  // For each query token t (at positions[t]) and head: softmax over the visible cached keys of
  // (q·k) · scale, then the weighted sum of the cached values. Caches are [position][kv_head][head_dim].
  virtual void attention(const float* q, const float* key_cache, const float* value_cache, int tokens,
                         const std::int32_t* positions, const AttentionShape& shape, float* out) = 0;
  // out = act(gate) · up, elementwise over n values.
  virtual void gated_activation(const float* gate, const float* up, std::size_t n, Activation activation, float* out) = 0;
};

// The CPU backend: OpenBLAS for batched products, plain loops for the rest.
std::unique_ptr<Backend> make_cpu_backend();

}  // namespace switchboard::local
