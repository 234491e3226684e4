#pragma once
// Everything read from one model folder, loaded once and shared (read-only) by every Model
// opened on that folder: config, weights, tokenizer, chat template.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chat_template.hpp"
#include "engine/transformer.hpp"
#include "model/model_config.hpp"
#include "model/tensor_store.hpp"
#include "tokenizer.hpp"

namespace switchboard::local {

struct LoadedModel {
  std::filesystem::path folder;
  ModelConfig config;
  std::unique_ptr<TensorStore> store;  // the mapped files the weights view
  TransformerWeights weights;
  Tokenizer tokenizer;
  std::optional<ChatTemplate> chat_template;  // absent when the folder has none
  double load_seconds = 0;
};

// Throws Error(not_found / model_format) naming the file and what is wrong.
std::shared_ptr<const LoadedModel> load_model_folder(const std::filesystem::path& folder, const LoadOptions& options);

}  // namespace switchboard::local
