#include "engine/transformer.hpp"

#include <cmath>

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace {

std::string layer_prefix(int layer) { return "model.layers." + std::to_string(layer) + "."; }

WeightMatrix load_linear(const TensorStore& store, const std::string& module, const ModelConfig& config, int rows, int cols,
                         const LoadOptions& options) {
  WeightMatrix matrix = load_weight_matrix(store, module, config, rows, cols);
  if (options.quantize_bits && !matrix.quantized() && cols % options.quantize_group_size == 0)
    return quantize_affine(matrix, options.quantize_bits, options.quantize_group_size);
  return matrix;
}

}  // namespace

std::size_t TransformerWeights::bytes() const {
  std::size_t total = embedding.bytes() + lm_head.bytes() + final_norm.size() * 4;
  for (const auto& layer : layers)
    for (const WeightMatrix* m : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down})
      total += m->bytes();
  return total;
}

std::size_t TransformerWeights::bytes_read_per_token() const {
  std::size_t total = output().bytes() + final_norm.size() * 4;
  for (const auto& layer : layers) {
    for (const WeightMatrix* m : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) total += m->bytes();
    total += (layer.input_norm.size() + layer.post_attention_norm.size() + layer.pre_feedforward_norm.size() +
              layer.post_feedforward_norm.size() + layer.q_bias.size() + layer.k_bias.size() + layer.v_bias.size()) * 4;
  }
  return total;
}

TransformerWeights load_transformer_weights(const TensorStore& store, const ModelConfig& config, const LoadOptions& options) {
  TransformerWeights weights;
  const int hidden = config.hidden_size;
  const int q_width = config.num_heads * config.head_dim;
  const int kv_width = config.num_kv_heads * config.head_dim;
  const int ffn = config.intermediate_size;

  weights.embedding = load_linear(store, "model.embed_tokens", config, config.vocab_size, hidden, options);
  weights.final_norm = load_vector(store, "model.norm.weight", hidden);
  if (!config.tie_word_embeddings || store.find("lm_head.weight"))
    weights.lm_head = load_linear(store, "lm_head", config, config.vocab_size, hidden, options);

  for (int i = 0; i < config.num_layers; ++i) {
    const std::string p = layer_prefix(i);
    LayerWeights layer;
    layer.input_norm = load_vector(store, p + "input_layernorm.weight", hidden);
    layer.post_attention_norm = load_vector(store, p + "post_attention_layernorm.weight", hidden);
    if (config.sandwich_norms) {
      layer.pre_feedforward_norm = load_vector(store, p + "pre_feedforward_layernorm.weight", hidden);
      layer.post_feedforward_norm = load_vector(store, p + "post_feedforward_layernorm.weight", hidden);
    }
    if (config.qk_norm) {
      layer.q_norm = load_vector(store, p + "self_attn.q_norm.weight", config.head_dim);
      layer.k_norm = load_vector(store, p + "self_attn.k_norm.weight", config.head_dim);
    }
    if (config.fused_qkv) {
      layer.qkv = load_linear(store, p + "self_attn.qkv_proj", config, q_width + 2 * kv_width, hidden, options);
      layer.q = layer.qkv.row_range(0, q_width, p + "self_attn.q_part");
      layer.k = layer.qkv.row_range(q_width, kv_width, p + "self_attn.k_part");
      layer.v = layer.qkv.row_range(q_width + kv_width, kv_width, p + "self_attn.v_part");
    } else {
      layer.q = load_linear(store, p + "self_attn.q_proj", config, q_width, hidden, options);
      layer.k = load_linear(store, p + "self_attn.k_proj", config, kv_width, hidden, options);
      layer.v = load_linear(store, p + "self_attn.v_proj", config, kv_width, hidden, options);
    }
    if (config.qkv_bias) {
      layer.q_bias = load_vector(store, p + "self_attn.q_proj.bias", q_width);
      layer.k_bias = load_vector(store, p + "self_attn.k_proj.bias", kv_width);
      layer.v_bias = load_vector(store, p + "self_attn.v_proj.bias", kv_width);
    }
    layer.o = load_linear(store, p + "self_attn.o_proj", config, hidden, q_width, options);
    if (config.fused_gate_up) {
      layer.gate_up = load_linear(store, p + "mlp.gate_up_proj", config, 2 * ffn, hidden, options);
      layer.gate = layer.gate_up.row_range(0, ffn, p + "mlp.gate_part");
      layer.up = layer.gate_up.row_range(ffn, ffn, p + "mlp.up_part");
    } else {
      layer.gate = load_linear(store, p + "mlp.gate_proj", config, ffn, hidden, options);
      layer.up = load_linear(store, p + "mlp.up_proj", config, ffn, hidden, options);
    }
    layer.down = load_linear(store, p + "mlp.down_proj", config, hidden, ffn, options);
    layer.inverse_frequencies = config.layers[static_cast<std::size_t>(i)].rope.inverse_frequencies(config.head_dim);
    weights.layers.push_back(std::move(layer));
  }
  return weights;
}

KVCache::KVCache(const ModelConfig& config, int capacity_in, Backend& backend) : capacity(capacity_in) {
  CacheBuffers caches = backend.allocate_caches(config.num_layers, capacity, config.num_kv_heads, config.head_dim);
  keys = std::move(caches.keys);
  values = std::move(caches.values);
}

Transformer::Transformer(const ModelConfig& config, const TransformerWeights& weights, Backend& backend)
    : config_(config), weights_(weights), backend_(backend) {
  backend_.upload(weights_.embedding);
  if (weights_.lm_head.rows) backend_.upload(weights_.lm_head);
  backend_.upload(weights_.final_norm);
  for (const LayerWeights& layer : weights_.layers) {
    for (const WeightMatrix* m : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down}) backend_.upload(*m);
    for (const std::vector<float>* v : {&layer.input_norm, &layer.post_attention_norm, &layer.pre_feedforward_norm,
                                        &layer.post_feedforward_norm, &layer.q_norm, &layer.k_norm, &layer.q_bias, &layer.k_bias,
                                        &layer.v_bias, &layer.inverse_frequencies})
      if (!v->empty()) backend_.upload(*v);
  }
}

void Transformer::reserve(int tokens, bool all_logits) {
  const std::size_t logit_rows = all_logits ? static_cast<std::size_t>(tokens) : 1;
  const std::size_t vocab = static_cast<std::size_t>(weights_.output().rows);
  if (!state_.logits || state_.logits->size() < logit_rows * vocab) state_.logits = backend_.allocate(logit_rows * vocab);
  if (tokens <= state_.tokens) return;
  const std::size_t n = static_cast<std::size_t>(tokens);
  const std::size_t hidden = static_cast<std::size_t>(config_.hidden_size);
  const std::size_t q_width = static_cast<std::size_t>(config_.num_heads) * config_.head_dim;
  const std::size_t kv_width = static_cast<std::size_t>(config_.num_kv_heads) * config_.head_dim;
  const std::size_t ffn = static_cast<std::size_t>(config_.intermediate_size);
  state_.x = backend_.allocate(n * hidden);
  state_.h = backend_.allocate(n * hidden);
  state_.delta = backend_.allocate(n * hidden);
  state_.q = backend_.allocate(n * q_width);
  state_.mixed = backend_.allocate(n * q_width);
  state_.k = backend_.allocate(n * kv_width);
  state_.v = backend_.allocate(n * kv_width);
  state_.gate = backend_.allocate(n * ffn);
  state_.up = backend_.allocate(n * ffn);
  state_.tokens = tokens;
}

std::span<float> Transformer::forward(std::span<const std::int32_t> tokens, KVCache& cache, bool all_logits,
                                            const ForwardObserver& observe) {
  const int n = static_cast<int>(tokens.size());
  if (n == 0) return {};
  if (cache.length + n > cache.capacity)
    throw Error(ErrorCategory::invalid_request, "context full: " + std::to_string(cache.length) + " + " + std::to_string(n) +
                                                    " tokens exceed the context of " + std::to_string(cache.capacity));
  for (auto id : tokens)
    if (id < 0 || id >= config_.vocab_size)
      throw Error(ErrorCategory::invalid_request, "token id " + std::to_string(id) + " is outside the vocabulary of " +
                                                      std::to_string(config_.vocab_size));
  std::lock_guard pass(backend_.pass_mutex());
  reserve(n, all_logits);
  const int hidden = config_.hidden_size;
  const int heads = config_.num_heads, kv_heads = config_.num_kv_heads, head_dim = config_.head_dim;
  const std::size_t ffn = static_cast<std::size_t>(config_.intermediate_size);
  const float eps = config_.rms_norm_eps;
  const bool plus_one = config_.norm_adds_one;
  const int position = cache.length;
  const View x{state_.x.get()}, h{state_.h.get()}, delta{state_.delta.get()};
  const View q{state_.q.get()}, k{state_.k.get()}, v{state_.v.get()}, mixed{state_.mixed.get()};
  const View gate{state_.gate.get()}, up{state_.up.get()};
  std::vector<float> observed;
  // Shows the observer row `row` of a stage's `tokens × hidden` output.
  auto emit = [&](std::string_view stage, View rows, int row) {
    if (!observe) return;
    observed.resize(static_cast<std::size_t>(hidden));
    backend_.read(rows.at(static_cast<std::size_t>(row) * hidden), observed);
    observe(stage, observed);
  };

  backend_.embed(weights_.embedding, tokens, config_.embedding_scale, x);
  emit("embed_tokens", x, n - 1);

  for (int l = 0; l < config_.num_layers; ++l) {
    const LayerWeights& layer = weights_.layers[static_cast<std::size_t>(l)];
    const LayerConfig& layer_config = config_.layers[static_cast<std::size_t>(l)];

    // Attention.
    backend_.rms_norm(x, layer.input_norm, n, hidden, eps, plus_one, h);
    const Product qkv[] = {{&layer.q, q}, {&layer.k, k}, {&layer.v, v}};
    backend_.matmuls(qkv, h, n);
    if (!layer.q_bias.empty()) {
      backend_.add_bias(q, layer.q_bias, n);
      backend_.add_bias(k, layer.k_bias, n);
      backend_.add_bias(v, layer.v_bias, n);
    }
    if (config_.qk_norm) {
      backend_.rms_norm(q, layer.q_norm, n * heads, head_dim, eps, plus_one, q);
      backend_.rms_norm(k, layer.k_norm, n * kv_heads, head_dim, eps, plus_one, k);
    }
    backend_.rope(q, n, heads, head_dim, position, layer.inverse_frequencies);
    backend_.rope(k, n, kv_heads, head_dim, position, layer.inverse_frequencies);
    const View key_cache{cache.keys[static_cast<std::size_t>(l)].get()};
    const View value_cache{cache.values[static_cast<std::size_t>(l)].get()};
    const AttentionShape shape{heads, kv_heads, head_dim, config_.attention_scale, config_.attention_softcap,
                               layer_config.sliding_window, cache.capacity};
    backend_.store_kv(k, v, n, position, shape, key_cache, value_cache);
    backend_.attention(q, key_cache, value_cache, n, position, shape, mixed);
    backend_.matmul(layer.o, mixed, n, delta);
    if (config_.sandwich_norms) backend_.rms_norm(delta, layer.post_attention_norm, n, hidden, eps, plus_one, delta);
    backend_.add(x, delta, static_cast<std::size_t>(n) * hidden);

    // MLP.
    const auto& mlp_norm = config_.sandwich_norms ? layer.pre_feedforward_norm : layer.post_attention_norm;
    backend_.rms_norm(x, mlp_norm, n, hidden, eps, plus_one, h);
    const Product gate_up[] = {{&layer.gate, gate}, {&layer.up, up}};
    backend_.matmuls(gate_up, h, n);
    backend_.gated_activation(gate, up, n * ffn, config_.activation, gate);
    backend_.matmul(layer.down, gate, n, delta);
    if (config_.sandwich_norms) backend_.rms_norm(delta, layer.post_feedforward_norm, n, hidden, eps, plus_one, delta);
    backend_.add(x, delta, static_cast<std::size_t>(n) * hidden);
    if (observe) emit("layer_" + std::to_string(l), x, n - 1);
  }
  cache.length += n;

  // Only the rows whose logits are wanted go through the final norm and the output head.
  const int first = all_logits ? 0 : n - 1;
  const int rows = n - first;
  backend_.rms_norm(x.at(static_cast<std::size_t>(first) * hidden), weights_.final_norm, rows, hidden, eps, plus_one, h);
  emit("final_norm", h, rows - 1);
  const WeightMatrix& output = weights_.output();
  const View logits{state_.logits.get()};
  const std::size_t logit_count = static_cast<std::size_t>(rows) * output.rows;
  backend_.matmul(output, h, rows, logits);
  if (config_.final_logit_softcap > 0) backend_.softcap(logits, logit_count, config_.final_logit_softcap);
  if (const auto direct = backend_.in_place(logits, logit_count); !direct.empty()) return direct;
  state_.host_logits.resize(logit_count);
  backend_.read(logits, state_.host_logits);
  return state_.host_logits;
}

}  // namespace switchboard::local
