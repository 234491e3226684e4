#include "model/model_config.hpp"

#include <cmath>
#include <fstream>
#include <numbers>

#include <switchboard/error.hpp>

#include "model/architectures.hpp"

namespace switchboard::local {
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorCategory::not_found, file.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw Error(ErrorCategory::model_format, file.string() + ": not valid JSON: " + error.what());
  }
}

std::vector<std::int32_t> token_ids(const ConfigReader& config, const char* key) {
  std::vector<std::int32_t> ids;
  if (!config.has(key)) return ids;
  const auto& value = config.json()[key];
  if (value.is_number_integer()) return {value.get<std::int32_t>()};
  if (!value.is_array()) config.fail(key, "a token id or a list of token ids");
  for (const auto& id : value) {
    if (!id.is_number_integer()) config.fail(key, "a token id or a list of token ids");
    ids.push_back(id.get<std::int32_t>());
  }
  return ids;
}

QuantizationConfig read_quantization(const ConfigReader& config) {
  QuantizationConfig quantization;
  if (!config.has("quantization")) return quantization;
  const auto& q = config.json()["quantization"];
  if (!q.is_object()) config.fail("quantization", "an object with group_size and bits");
  const ConfigReader reader(q, config.source() + ": quantization");
  quantization.bits = reader.positive_int("bits");
  quantization.group_size = reader.positive_int("group_size");
  const std::string mode = reader.string("mode", "affine");
  if (mode != "affine") reader.fail("mode", "\"affine\" (the only MLX quantization mode supported)");
  auto check = [&](const ConfigReader& r, int bits, int group) {
    if (bits != 4 && bits != 8) r.fail("bits", "4 or 8");
    if (group != 32 && group != 64 && group != 128) r.fail("group_size", "32, 64 or 128");
  };
  check(reader, quantization.bits, quantization.group_size);
  for (const auto& [key, value] : q.items()) {
    if (key == "bits" || key == "group_size" || key == "mode") continue;
    if (value.is_boolean() && !value.get<bool>()) {
      quantization.overrides[key] = {0, 0};
    } else if (value.is_object()) {
      const ConfigReader layer(value, config.source() + ": quantization." + key);
      const int bits = layer.positive_int("bits");
      const int group = layer.positive_int("group_size");
      check(layer, bits, group);
      quantization.overrides[key] = {bits, group};
    }
  }
  return quantization;
}

}  // namespace

std::vector<float> RopeConfig::inverse_frequencies(int head_dim) const {
  std::vector<float> frequencies(static_cast<std::size_t>(head_dim / 2));
  for (int i = 0; i < head_dim / 2; ++i) {
    double frequency = 1.0 / std::pow(theta, (2.0 * i) / head_dim);
    if (scaling == Scaling::linear) {
      frequency /= factor;
    } else if (scaling == Scaling::llama3) {
      const double wavelength = 2 * std::numbers::pi / frequency;
      const double low_freq_wavelength = original_max_position_embeddings / low_freq_factor;
      const double high_freq_wavelength = original_max_position_embeddings / high_freq_factor;
      if (wavelength > low_freq_wavelength) {
        frequency /= factor;
      } else if (wavelength >= high_freq_wavelength) {
        const double smooth = (original_max_position_embeddings / wavelength - low_freq_factor) / (high_freq_factor - low_freq_factor);
        frequency = (1 - smooth) * frequency / factor + smooth * frequency;
      }
    }
    frequencies[static_cast<std::size_t>(i)] = static_cast<float>(frequency);
  }
  return frequencies;
}

std::pair<int, int> QuantizationConfig::for_module(const std::string& module) const {
  if (const auto found = overrides.find(module); found != overrides.end()) return found->second;
  return {bits, group_size};
}

ModelConfig parse_model_config(const nlohmann::json& config_json, const nlohmann::json& generation_json,
                               const std::string& source) {
  if (!config_json.is_object()) throw Error(ErrorCategory::model_format, source + ": expected a JSON object");
  const ConfigReader config(config_json, source);
  ModelConfig model;
  model.model_type = config.string("model_type");
  const Architecture* architecture = find_architecture(model.model_type);
  if (!architecture) {
    std::string known;
    for (const auto& name : architecture_names()) known += (known.empty() ? "" : ", ") + name;
    config.fail("model_type", "one of " + known);
  }
  model.hidden_size = config.positive_int("hidden_size");
  model.num_layers = config.positive_int("num_hidden_layers");
  // The per-layer settings are allocated before any weight is read, so a malformed count must not
  // reach them: published models have well under 1024 layers.
  if (model.num_layers > 1024) config.fail("num_hidden_layers", "at most 1024");
  model.num_heads = config.positive_int("num_attention_heads");
  model.num_kv_heads = config.optional_int("num_key_value_heads").value_or(model.num_heads);
  if (model.num_kv_heads <= 0 || model.num_heads % model.num_kv_heads != 0)
    config.fail("num_key_value_heads", "a positive divisor of num_attention_heads (" + std::to_string(model.num_heads) + ")");
  model.head_dim = config.optional_int("head_dim").value_or(model.hidden_size / model.num_heads);
  if (model.head_dim <= 0 || model.head_dim % 2 != 0) config.fail("head_dim", "a positive even number");
  model.intermediate_size = config.positive_int("intermediate_size");
  model.vocab_size = config.positive_int("vocab_size");
  model.max_position_embeddings = config.optional_int("max_position_embeddings").value_or(4096);
  model.rms_norm_eps = static_cast<float>(config.number("rms_norm_eps", 1e-6));
  model.tie_word_embeddings = config.boolean("tie_word_embeddings", false);
  model.attention_scale = 1.0f / std::sqrt(static_cast<float>(model.head_dim));
  const std::string activation = config.string("hidden_act", "silu");
  if (activation != "silu" && model.model_type != "gemma3_text") config.fail("hidden_act", "\"silu\"");
  model.layers.resize(static_cast<std::size_t>(model.num_layers));
  architecture->configure(config, model);
  model.quantization = read_quantization(config);

  const auto bos = token_ids(config, "bos_token_id");
  if (!bos.empty()) model.bos_token_id = bos.front();
  model.eos_token_ids = token_ids(config, "eos_token_id");
  if (generation_json.is_object()) {
    const ConfigReader generation(generation_json, "generation_config.json");
    if (auto eos = token_ids(generation, "eos_token_id"); !eos.empty()) model.eos_token_ids = std::move(eos);
    if (auto gen_bos = token_ids(generation, "bos_token_id"); !gen_bos.empty()) model.bos_token_id = gen_bos.front();
  }
  return model;
}

ModelConfig load_model_config(const fs::path& folder) {
  const fs::path config_file = folder / "config.json";
  if (!fs::exists(config_file)) throw Error(ErrorCategory::not_found, folder.string() + ": no config.json: not a model folder");
  const auto config = read_json_file(config_file);
  nlohmann::json generation;
  if (fs::exists(folder / "generation_config.json")) generation = read_json_file(folder / "generation_config.json");
  return parse_model_config(config, generation, config_file.string());
}

std::vector<std::string> supported_model_types() { return architecture_names(); }

}  // namespace switchboard::local
