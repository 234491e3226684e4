#include "model/architectures.hpp"

#include <cmath>

namespace switchboard::local {
namespace {

RopeConfig parse_rope_parameters(const ConfigReader& config, const nlohmann::json& parameters, const std::string& where,
                                 double fallback_theta) {
  RopeConfig rope;
  rope.theta = fallback_theta;
  if (parameters.is_null()) return rope;
  if (!parameters.is_object()) config.fail(where, "an object of RoPE parameters");
  const ConfigReader reader(parameters, config.source() + ": " + where);
  rope.theta = reader.number("rope_theta", fallback_theta);
  std::string type = reader.string("rope_type", reader.string("type", "default"));
  if (type == "default") return rope;
  rope.factor = reader.number("factor", 1.0);
  if (type == "linear") {
    rope.scaling = RopeConfig::Scaling::linear;
  } else if (type == "llama3") {
    rope.scaling = RopeConfig::Scaling::llama3;
    rope.low_freq_factor = reader.number("low_freq_factor", 1.0);
    rope.high_freq_factor = reader.number("high_freq_factor", 4.0);
    rope.original_max_position_embeddings = reader.number("original_max_position_embeddings", 8192);
    if (rope.high_freq_factor <= rope.low_freq_factor) reader.fail("high_freq_factor", "a value above low_freq_factor");
  } else {
    reader.fail("rope_type", "one of default, linear, llama3 (other RoPE scalings are not supported yet)");
  }
  return rope;
}

// The attention window of sliding layers in tokens; absent or null means none.
int sliding_window(const ConfigReader& config) {
  const int window = config.optional_int("sliding_window").value_or(0);
  if (window < 0) config.fail("sliding_window", "a token count (0 or null: no window)");
  return window;
}

void configure_llama(const ConfigReader& config, ModelConfig& model) {
  for (auto& layer : model.layers) layer.rope = read_rope(config);
  if (config.boolean("attention_bias", false)) model.qkv_bias = true;
}

void configure_mistral(const ConfigReader& config, ModelConfig& model) {
  const int window = sliding_window(config);
  const auto sliding = read_layer_types(config, model.num_layers);
  for (int i = 0; i < model.num_layers; ++i) {
    model.layers[i].rope = read_rope(config);
    model.layers[i].sliding_window = (sliding.empty() || sliding[i]) ? window : 0;
  }
}

// Qwen2 and Qwen3 slide only from max_window_layers on, and only with use_sliding_window.
void set_qwen_windows(const ConfigReader& config, ModelConfig& model) {
  const int window = sliding_window(config);
  const auto sliding = read_layer_types(config, model.num_layers);
  const bool use_sliding = config.boolean("use_sliding_window", false);
  const int first_sliding = config.optional_int("max_window_layers").value_or(model.num_layers);
  for (int i = 0; i < model.num_layers; ++i) {
    model.layers[i].rope = read_rope(config);
    const bool slides = sliding.empty() ? (use_sliding && i >= first_sliding) : sliding[i];
    model.layers[i].sliding_window = slides ? window : 0;
  }
}

void configure_qwen2(const ConfigReader& config, ModelConfig& model) {
  model.qkv_bias = true;
  set_qwen_windows(config, model);
}

void configure_qwen3(const ConfigReader& config, ModelConfig& model) {
  model.qk_norm = true;
  model.qkv_bias = config.boolean("attention_bias", false);
  set_qwen_windows(config, model);
}

void configure_phi3(const ConfigReader& config, ModelConfig& model) {
  model.fused_qkv = true;
  model.fused_gate_up = true;
  if (config.number("partial_rotary_factor", 1.0) != 1.0)
    config.fail("partial_rotary_factor", "1.0 (partial rotary embeddings are not supported yet)");
  const int window = sliding_window(config);
  for (auto& layer : model.layers) {
    layer.rope = read_rope(config);
    layer.sliding_window = window;
  }
}

void configure_gemma3(const ConfigReader& config, ModelConfig& model) {
  model.qk_norm = true;
  model.sandwich_norms = true;
  model.norm_adds_one = true;
  model.activation = Activation::gelu_tanh;
  model.embedding_scale = std::sqrt(static_cast<float>(model.hidden_size));
  model.attention_scale = 1.0f / std::sqrt(static_cast<float>(config.number("query_pre_attn_scalar", model.head_dim)));
  model.attention_softcap = static_cast<float>(config.number("attn_logit_softcapping", 0));
  model.final_logit_softcap = static_cast<float>(config.number("final_logit_softcapping", 0));
  const std::string activation = config.string("hidden_activation", "gelu_pytorch_tanh");
  if (activation != "gelu_pytorch_tanh" && activation != "gelu_tanh")
    config.fail("hidden_activation", "\"gelu_pytorch_tanh\"");

  const int window = sliding_window(config);
  auto sliding = read_layer_types(config, model.num_layers);
  if (sliding.empty()) {
    const int pattern = config.optional_int("sliding_window_pattern").value_or(6);
    if (pattern <= 0) config.fail("sliding_window_pattern", "a positive layer count (every pattern-th layer attends globally)");
    for (int i = 0; i < model.num_layers; ++i) sliding.push_back((i + 1) % pattern != 0);
  }
  const bool per_layer_type = config.has("rope_parameters") && config.json()["rope_parameters"].contains("full_attention");
  RopeConfig global_rope = per_layer_type ? read_rope(config, "full_attention") : read_rope(config);
  RopeConfig local_rope;
  if (per_layer_type) {
    local_rope = read_rope(config, "sliding_attention");
  } else {
    local_rope.theta = config.number("rope_local_base_freq", 10000.0);
  }
  for (int i = 0; i < model.num_layers; ++i) {
    model.layers[i].sliding_window = sliding[i] ? window : 0;
    model.layers[i].rope = sliding[i] ? local_rope : global_rope;
  }
}

constexpr Architecture kArchitectures[] = {
    {"llama", configure_llama},
    {"mistral", configure_mistral},
    {"qwen2", configure_qwen2},
    {"qwen3", configure_qwen3},
    {"phi3", configure_phi3},
    {"gemma3_text", configure_gemma3},
};

}  // namespace

RopeConfig read_rope(const ConfigReader& config, const char* layer_type) {
  if (config.has("rope_parameters")) {
    const auto& parameters = config.json()["rope_parameters"];
    if (layer_type) {
      if (!parameters.contains(layer_type)) config.fail("rope_parameters", std::string("an entry for '") + layer_type + "'");
      return parse_rope_parameters(config, parameters[layer_type], std::string("rope_parameters.") + layer_type, 10000.0);
    }
    return parse_rope_parameters(config, parameters, "rope_parameters", 10000.0);
  }
  const double theta = config.number("rope_theta", 10000.0);
  if (config.has("rope_scaling")) return parse_rope_parameters(config, config.json()["rope_scaling"], "rope_scaling", theta);
  RopeConfig rope;
  rope.theta = theta;
  return rope;
}

std::vector<bool> read_layer_types(const ConfigReader& config, int layers) {
  std::vector<bool> sliding;
  if (!config.has("layer_types")) return sliding;
  const auto& types = config.json()["layer_types"];
  if (!types.is_array() || static_cast<int>(types.size()) != layers)
    config.fail("layer_types", "a list with one entry per layer (" + std::to_string(layers) + ")");
  for (const auto& type : types) {
    if (type == "sliding_attention") sliding.push_back(true);
    else if (type == "full_attention") sliding.push_back(false);
    else config.fail("layer_types", "\"full_attention\" or \"sliding_attention\" entries");
  }
  return sliding;
}

const Architecture* find_architecture(const std::string& model_type) {
  for (const auto& architecture : kArchitectures)
    if (model_type == architecture.model_type) return &architecture;
  return nullptr;
}

std::vector<std::string> architecture_names() {
  std::vector<std::string> names;
  for (const auto& architecture : kArchitectures) names.emplace_back(architecture.model_type);
  return names;
}

}  // namespace switchboard::local
