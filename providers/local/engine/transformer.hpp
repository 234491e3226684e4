#pragma once
// One decoder-only transformer forward pass for every supported family, read top to bottom:
// config (ModelConfig), weights (TransformerWeights), run state (KVCache + RunState).
// What differs between families is a field of ModelConfig, never a branch on model_type.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "engine/weight_matrix.hpp"
#include "model/model_config.hpp"
#include "model/tensor_store.hpp"

namespace switchboard::local {

struct LayerWeights {
  std::vector<float> input_norm;
  std::vector<float> post_attention_norm;  // llama-style: before the MLP; sandwich: after attention
  std::vector<float> pre_feedforward_norm;   // sandwich only
  std::vector<float> post_feedforward_norm;  // sandwich only
  std::vector<float> q_norm, k_norm;         // qk_norm only; head_dim each
  WeightMatrix q, k, v;                      // row ranges of qkv when the folder fuses them
  std::vector<float> q_bias, k_bias, v_bias;
  WeightMatrix o;
  WeightMatrix gate, up;  // row ranges of gate_up when the folder fuses them
  WeightMatrix down;
  WeightMatrix qkv, gate_up;  // the fused tensors the views above read; empty otherwise
  std::vector<float> inverse_frequencies;  // this layer's RoPE
};

struct TransformerWeights {
  WeightMatrix embedding;
  WeightMatrix lm_head;  // empty (rows == 0) when tied to the embedding
  std::vector<float> final_norm;
  std::vector<LayerWeights> layers;

  const WeightMatrix& output() const { return lm_head.rows ? lm_head : embedding; }
  std::size_t bytes() const;
  // What one decode step reads: every layer, the norms and the output head (an untied
  // embedding table contributes one row, left out).
  std::size_t bytes_read_per_token() const;
};

// How to store weights that the folder holds as floats: as they are, or quantized on load; and
// where the folder's bytes live (see Residency).
struct LoadOptions {
  int quantize_bits = 0;  // 0, 4 or 8
  int quantize_group_size = 64;
  Residency residency = Residency::mapped;
};

TransformerWeights load_transformer_weights(const TensorStore& store, const ModelConfig& config, const LoadOptions& options = {});

// The keys and values of every layer for the positions seen so far, where the backend computes.
struct KVCache {
  KVCache(const ModelConfig& config, int capacity, Backend& backend);
  int capacity = 0;
  int length = 0;  // positions filled
  // Per layer, from the backend's allocate_caches: laid out as its store_kv writes them.
  std::vector<std::unique_ptr<Buffer>> keys, values;
};

// The activations of one forward pass, kept between passes so that a decode step allocates
// nothing. Sized for the most tokens a pass has had.
struct RunState {
  int tokens = 0;
  std::unique_ptr<Buffer> x;                 // the residual stream: tokens × hidden
  std::unique_ptr<Buffer> h;                 // x normalised
  std::unique_ptr<Buffer> q, k, v;           // tokens × heads · head_dim (q), × kv_heads · head_dim (k, v)
  std::unique_ptr<Buffer> mixed;             // attention's output, before o_proj
  std::unique_ptr<Buffer> delta;             // what a block adds to x
  std::unique_ptr<Buffer> gate, up;          // tokens × intermediate
  std::unique_ptr<Buffer> logits;            // tokens × vocab
  std::vector<float> host_logits;
};

// Called with the last token's vector after each stage (for comparing against references).
using ForwardObserver = std::function<void(std::string_view stage, std::span<const float> last_token)>;

class Transformer {
 public:
  // Makes the weights resident on the backend (once per backend; later calls find them there).
  Transformer(const ModelConfig& config, const TransformerWeights& weights, Backend& backend);

  // Runs `tokens` at positions cache.length..., appends their keys and values to the cache, and
  // returns the logits of the last token (all tokens when all_logits: tokens × vocab_size),
  // valid until the next call. Throws Error(invalid_request) when the cache has no room for them.
  std::span<float> forward(std::span<const std::int32_t> tokens, KVCache& cache, bool all_logits = false,
                             const ForwardObserver& observe = {});

 private:
  void reserve(int tokens, bool all_logits);

  const ModelConfig& config_;
  const TransformerWeights& weights_;
  Backend& backend_;
  RunState state_;
};

}  // namespace switchboard::local
