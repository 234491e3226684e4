#pragma once
// What a model folder's config.json (and generation_config.json) says, resolved into the
// plain numbers the forward pass needs. The families differ only in the fields below; see
// architectures.cpp for how each model_type sets them, and docs/local-architectures.md.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchboard::local {

enum class Activation { silu, gelu_tanh };

struct RopeConfig {
  enum class Scaling { none, linear, llama3 };
  double theta = 10000.0;
  Scaling scaling = Scaling::none;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  double original_max_position_embeddings = 8192;

  // One frequency per pair of rotated dimensions (head_dim / 2 of them).
  std::vector<float> inverse_frequencies(int head_dim) const;
};

struct LayerConfig {
  int sliding_window = 0;  // keys visible to a query, itself included; 0 = all
  RopeConfig rope;
};

struct QuantizationConfig {
  int bits = 0;  // 0 = not quantized
  int group_size = 64;
  // Per-tensor overrides keyed by module path ("model.layers.0.mlp.down_proj"); bits 0 means
  // that module is stored unquantized.
  std::map<std::string, std::pair<int, int>> overrides;  // path -> (bits, group_size)

  std::pair<int, int> for_module(const std::string& module) const;
};

struct ModelConfig {
  std::string model_type;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int intermediate_size = 0;
  int vocab_size = 0;
  int max_position_embeddings = 0;
  float rms_norm_eps = 1e-6f;
  bool tie_word_embeddings = false;

  // What the families differ in.
  bool qkv_bias = false;         // qwen2: q/k/v projections carry a bias
  bool qk_norm = false;          // qwen3, gemma3: RMSNorm per head on q and k before RoPE
  bool fused_qkv = false;        // phi3: one qkv_proj
  bool fused_gate_up = false;    // phi3: one gate_up_proj
  bool sandwich_norms = false;   // gemma3: norms after attention and MLP too
  bool norm_adds_one = false;    // gemma3: RMSNorm scales by (1 + w)
  float embedding_scale = 1.0f;  // gemma3: sqrt(hidden_size)
  float attention_scale = 0;     // multiplies q·k; 1/sqrt(head_dim) unless the family says otherwise
  float attention_softcap = 0;   // 0 = none
  float final_logit_softcap = 0;
  Activation activation = Activation::silu;
  std::vector<LayerConfig> layers;

  QuantizationConfig quantization;
  std::optional<std::int32_t> bos_token_id;
  std::vector<std::int32_t> eos_token_ids;  // generation_config.json's win over config.json's
};

// Reads config.json and generation_config.json from a model folder. Throws Error(model_format)
// naming the file and field, Error(not_found) for a missing config.json, and
// Error(model_format) listing the supported types for an unknown model_type.
ModelConfig load_model_config(const std::filesystem::path& folder);

// The same from already-parsed JSON (generation_config may be null); `source` names the file in errors.
ModelConfig parse_model_config(const nlohmann::json& config, const nlohmann::json& generation_config,
                               const std::string& source);

std::vector<std::string> supported_model_types();

}  // namespace switchboard::local
