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

void add_bias(float* rows, const std::vector<float>& bias, int tokens) {
  if (bias.empty()) return;
  for (int t = 0; t < tokens; ++t)
    for (std::size_t i = 0; i < bias.size(); ++i) rows[t * bias.size() + i] += bias[i];
}

void add_into(std::vector<float>& x, const std::vector<float>& delta) {
  for (std::size_t i = 0; i < x.size(); ++i) x[i] += delta[i];
}

}  // namespace

std::size_t TransformerWeights::bytes() const {
  std::size_t total = embedding.bytes() + lm_head.bytes() + final_norm.size() * 4;
  for (const auto& layer : layers)
    for (const WeightMatrix* m : {&layer.q, &layer.k, &layer.v, &layer.qkv, &layer.o, &layer.gate, &layer.up, &layer.gate_up, &layer.down})
      total += m->bytes();
  return total;
}

std::size_t TransformerWeights::bytes_read_per_token() const {
  std::size_t total = output().bytes() + final_norm.size() * 4;
  for (const auto& layer : layers) {
    for (const WeightMatrix* m : {&layer.q, &layer.k, &layer.v, &layer.qkv, &layer.o, &layer.gate, &layer.up, &layer.gate_up, &layer.down})
      total += m->bytes();
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

KVCache::KVCache(const ModelConfig& config, int capacity_in)
    : capacity(capacity_in), kv_width(static_cast<std::size_t>(config.num_kv_heads) * config.head_dim) {
  keys.assign(static_cast<std::size_t>(config.num_layers), std::vector<float>(capacity * kv_width));
  values.assign(static_cast<std::size_t>(config.num_layers), std::vector<float>(capacity * kv_width));
}

Transformer::Transformer(const ModelConfig& config, const TransformerWeights& weights, Backend& backend)
    : config_(config), weights_(weights), backend_(backend) {}

std::vector<float> Transformer::forward(std::span<const std::int32_t> tokens, KVCache& cache, bool all_logits,
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
  const int hidden = config_.hidden_size;
  const int heads = config_.num_heads, kv_heads = config_.num_kv_heads, head_dim = config_.head_dim;
  const int q_width = heads * head_dim, kv_width = kv_heads * head_dim, ffn = config_.intermediate_size;
  const float eps = config_.rms_norm_eps;
  const bool plus_one = config_.norm_adds_one;
  auto emit = [&](std::string_view stage, const std::vector<float>& rows, int width) {
    if (observe) observe(stage, std::span<const float>(rows.data() + static_cast<std::size_t>(n - 1) * width, width));
  };

  std::vector<std::int32_t> positions(static_cast<std::size_t>(n));
  for (int t = 0; t < n; ++t) positions[t] = cache.length + t;

  std::vector<float> x(static_cast<std::size_t>(n) * hidden), h(x.size()), attention_out(x.size());
  std::vector<float> q(static_cast<std::size_t>(n) * q_width), k(static_cast<std::size_t>(n) * kv_width), v(k.size());
  std::vector<float> mixed(static_cast<std::size_t>(n) * q_width);
  std::vector<float> gate(static_cast<std::size_t>(n) * ffn), up(gate.size()), fused;

  backend_.embed(weights_.embedding, tokens, config_.embedding_scale, x.data());
  emit("embed_tokens", x, hidden);

  for (int l = 0; l < config_.num_layers; ++l) {
    const LayerWeights& layer = weights_.layers[static_cast<std::size_t>(l)];
    const LayerConfig& layer_config = config_.layers[static_cast<std::size_t>(l)];

    // Attention.
    backend_.rms_norm(x.data(), layer.input_norm.data(), n, hidden, eps, plus_one, h.data());
    if (config_.fused_qkv) {
      fused.resize(static_cast<std::size_t>(n) * (q_width + 2 * kv_width));
      backend_.matmul(layer.qkv, h.data(), n, fused.data());
      for (int t = 0; t < n; ++t) {
        const float* row = fused.data() + static_cast<std::size_t>(t) * (q_width + 2 * kv_width);
        std::copy(row, row + q_width, q.begin() + static_cast<std::ptrdiff_t>(t) * q_width);
        std::copy(row + q_width, row + q_width + kv_width, k.begin() + static_cast<std::ptrdiff_t>(t) * kv_width);
        std::copy(row + q_width + kv_width, row + q_width + 2 * kv_width, v.begin() + static_cast<std::ptrdiff_t>(t) * kv_width);
      }
    } else {
      backend_.matmul(layer.q, h.data(), n, q.data());
      backend_.matmul(layer.k, h.data(), n, k.data());
      backend_.matmul(layer.v, h.data(), n, v.data());
    }
    add_bias(q.data(), layer.q_bias, n);
    add_bias(k.data(), layer.k_bias, n);
    add_bias(v.data(), layer.v_bias, n);
    if (config_.qk_norm) {
      backend_.rms_norm(q.data(), layer.q_norm.data(), n * heads, head_dim, eps, plus_one, q.data());
      backend_.rms_norm(k.data(), layer.k_norm.data(), n * kv_heads, head_dim, eps, plus_one, k.data());
    }
    backend_.rope(q.data(), n, heads, head_dim, positions.data(), layer.inverse_frequencies.data());
    backend_.rope(k.data(), n, kv_heads, head_dim, positions.data(), layer.inverse_frequencies.data());
    auto& key_cache = cache.keys[static_cast<std::size_t>(l)];
    auto& value_cache = cache.values[static_cast<std::size_t>(l)];
    std::copy(k.begin(), k.end(), key_cache.begin() + static_cast<std::ptrdiff_t>(cache.length) * kv_width);
    std::copy(v.begin(), v.end(), value_cache.begin() + static_cast<std::ptrdiff_t>(cache.length) * kv_width);
    const AttentionShape shape{heads, kv_heads, head_dim, config_.attention_scale, config_.attention_softcap,
                               layer_config.sliding_window};
    backend_.attention(q.data(), key_cache.data(), value_cache.data(), n, positions.data(), shape, mixed.data());
    backend_.matmul(layer.o, mixed.data(), n, attention_out.data());
    if (config_.sandwich_norms)
      backend_.rms_norm(attention_out.data(), layer.post_attention_norm.data(), n, hidden, eps, plus_one, attention_out.data());
    add_into(x, attention_out);

    // MLP.
    const auto& mlp_norm = config_.sandwich_norms ? layer.pre_feedforward_norm : layer.post_attention_norm;
    backend_.rms_norm(x.data(), mlp_norm.data(), n, hidden, eps, plus_one, h.data());
    if (config_.fused_gate_up) {
      fused.resize(static_cast<std::size_t>(n) * 2 * ffn);
      backend_.matmul(layer.gate_up, h.data(), n, fused.data());
      for (int t = 0; t < n; ++t) {
        const float* row = fused.data() + static_cast<std::size_t>(t) * 2 * ffn;
        std::copy(row, row + ffn, gate.begin() + static_cast<std::ptrdiff_t>(t) * ffn);
        std::copy(row + ffn, row + 2 * ffn, up.begin() + static_cast<std::ptrdiff_t>(t) * ffn);
      }
    } else {
      backend_.matmul(layer.gate, h.data(), n, gate.data());
      backend_.matmul(layer.up, h.data(), n, up.data());
    }
    backend_.gated_activation(gate.data(), up.data(), gate.size(), config_.activation, gate.data());
    backend_.matmul(layer.down, gate.data(), n, attention_out.data());
    if (config_.sandwich_norms)
      backend_.rms_norm(attention_out.data(), layer.post_feedforward_norm.data(), n, hidden, eps, plus_one, attention_out.data());
    add_into(x, attention_out);
    emit("layer_" + std::to_string(l), x, hidden);
  }
  cache.length += n;

  // Only the rows whose logits are wanted go through the final norm and the output head.
  const int first = all_logits ? 0 : n - 1;
  const int rows = n - first;
  backend_.rms_norm(x.data() + static_cast<std::size_t>(first) * hidden, weights_.final_norm.data(), rows, hidden, eps, plus_one,
                    h.data());
  if (observe) observe("final_norm", std::span<const float>(h.data() + static_cast<std::size_t>(rows - 1) * hidden, hidden));
  const WeightMatrix& output = weights_.output();
  std::vector<float> logits(static_cast<std::size_t>(rows) * output.rows);
  backend_.matmul(output, h.data(), rows, logits.data());
  if (config_.final_logit_softcap > 0)
    for (auto& logit : logits) logit = config_.final_logit_softcap * std::tanh(logit / config_.final_logit_softcap);
  return logits;
}

}  // namespace switchboard::local
