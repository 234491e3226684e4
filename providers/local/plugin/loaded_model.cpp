#include "plugin/loaded_model.hpp"

#include <chrono>

#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

namespace switchboard::local {
namespace fs = std::filesystem;

std::shared_ptr<const LoadedModel> load_model_folder(const fs::path& folder, const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!fs::is_directory(folder)) throw Error(ErrorCategory::not_found, folder.string() + ": model folder does not exist");
  const fs::path tokenizer_file = folder / "tokenizer.json";
  if (!fs::exists(tokenizer_file)) throw Error(ErrorCategory::not_found, tokenizer_file.string() + ": missing (the model's tokenizer)");

  auto config = load_model_config(folder);
  auto store = std::make_unique<TensorStore>(folder);
  auto weights = load_transformer_weights(*store, config, options);
  auto tokenizer = Tokenizer::from_file(tokenizer_file);
  std::optional<ChatTemplate> chat_template;
  try {
    chat_template = ChatTemplate::from_model_folder(folder);
  } catch (const Error& error) {
    if (error.category() != ErrorCategory::not_found) throw;
    logger()->info("{}: no chat template; messages are joined as plain text", folder.string());
  }
  auto loaded = std::make_shared<LoadedModel>(LoadedModel{folder, std::move(config), std::move(store), std::move(weights),
                                                          std::move(tokenizer), std::move(chat_template), 0});
  loaded->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger()->info("loaded {} ({}, {} layers, {:.1f} MiB of weights) in {:.2f} s", folder.string(), loaded->config.model_type,
                 loaded->config.num_layers, static_cast<double>(loaded->weights.bytes()) / (1 << 20), loaded->load_seconds);
  return loaded;
}

}  // namespace switchboard::local
