// Fuzzes parse_model_config (config.json plus generation_config.json) on arbitrary JSON.
//
// Input: any bytes. A JSON array of two values is (config.json, generation_config.json); any
// other JSON value is config.json with no generation_config.json. A config that parses is then
// asked what the engine asks of it: each layer's RoPE frequencies and each module's quantization.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "fuzz_support.hpp"
#include "model/model_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const nlohmann::json document = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;

  const bool with_generation = document.is_array() && document.size() == 2;
  const nlohmann::json& config = with_generation ? document[0] : document;
  const nlohmann::json generation = with_generation ? document[1] : nlohmann::json();
  try {
    const switchboard::local::ModelConfig model = switchboard::local::parse_model_config(config, generation, "fuzz/config.json");
    fuzz_check(model.head_dim > 0 && model.head_dim % 2 == 0);
    fuzz_check(static_cast<int>(model.layers.size()) == model.num_layers);
    // The engine computes frequencies only after the weights' shapes agreed with head_dim, which
    // bounds it by the file size; a config alone may name any int, so only plausible ones run here.
    if (model.head_dim <= 65536) {
      for (const auto& layer : model.layers) {
        const auto frequencies = layer.rope.inverse_frequencies(model.head_dim);
        fuzz_check(frequencies.size() == static_cast<size_t>(model.head_dim / 2));
      }
    }
    model.quantization.for_module("model.layers.0.mlp.down_proj");
    model.quantization.for_module("lm_head");
  } catch (const switchboard::Error&) {
  }
  return 0;
}
