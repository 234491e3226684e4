#pragma once
// The type registry: config.json's model_type → what that family changes in the shared
// forward pass. Adding a family is one function and one line in architectures.cpp.

#include <string>
#include <vector>

#include "model/config_reader.hpp"
#include "model/model_config.hpp"

namespace switchboard::local {

// Called after the fields every family shares are read; sets the family's traits and its
// per-layer attention pattern.
using ConfigureFamily = void (*)(const ConfigReader& config, ModelConfig& model);

struct Architecture {
  const char* model_type;
  ConfigureFamily configure;
};

const Architecture* find_architecture(const std::string& model_type);
std::vector<std::string> architecture_names();

// Shared by the families: the RoPE of config.json in either layout (transformers-4
// rope_theta + rope_scaling, or transformers-5 rope_parameters, optionally per layer type).
RopeConfig read_rope(const ConfigReader& config, const char* layer_type = nullptr);
// layer_types (transformers-5) when present: true for "sliding_attention".
std::vector<bool> read_layer_types(const ConfigReader& config, int layers);

}  // namespace switchboard::local
