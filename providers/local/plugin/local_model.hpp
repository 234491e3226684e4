#pragma once
// A model folder served on this machine. Loads on first use (or prepare()), shares its weights
// with every other LocalModel on the same folder, and keeps one KV cache as its session: a
// request whose prompt starts like the previous conversation pays only for the new tokens.
//
// Thread safety: every method may be called from any thread. generate() calls on one
// LocalModel are serialised (they share the session's KV cache); open the same catalog entry
// twice, or two entries on one folder, to run generations in parallel on shared weights.

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>

#include <switchboard/catalog.hpp>
#include <switchboard/model.hpp>

#include "backends/backend.hpp"
#include "engine/transformer.hpp"
#include "plugin/loaded_model.hpp"

namespace switchboard::local {

// Gives the LoadedModel of a folder, loading it once for everyone who asks.
using FolderLoader = std::function<std::shared_ptr<const LoadedModel>(const std::filesystem::path&, const LoadOptions&)>;

struct LocalModelSettings {
  std::filesystem::path folder;
  LoadOptions load;
  int context = 0;          // 0 = the smaller of the model's max_position_embeddings and 4096
  int prefill_chunk = 256;  // prompt tokens per forward pass while prefilling
};

class LocalModel final : public Model {
 public:
  LocalModel(ModelEntry entry, LocalModelSettings settings, FolderLoader loader, std::shared_ptr<Backend> backend);

  ModelInfo info() const override;
  LoadState state() const override;
  LoadState prepare(std::stop_token stop = {}) override;
  Completion generate(const Request& request, const ChunkSink& on_chunk = {}, std::stop_token stop = {}) override;

 private:
  Completion run(const Request& request, const ChunkSink& on_chunk, const std::stop_token& stop);
  int context_capacity() const;

  const ModelEntry entry_;
  const LocalModelSettings settings_;
  const FolderLoader loader_;
  const std::shared_ptr<Backend> backend_;

  mutable std::mutex state_mutex_;
  LoadState state_;
  std::shared_ptr<const LoadedModel> model_;

  std::mutex session_mutex_;
  std::unique_ptr<KVCache> cache_;
  std::vector<std::int32_t> cached_tokens_;  // what cache_ holds, position by position
};

}  // namespace switchboard::local
