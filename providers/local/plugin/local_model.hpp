#pragma once
// A model folder served on this machine. Loads on first use (or prepare()), shares its weights
// with every other LocalModel on the same folder, and keeps one KV cache as its session: a
// request whose prompt starts like the previous conversation pays only for the new tokens.
//
// A `source: hf:...` model is downloaded into the model store first (state downloading with
// the fraction done), then loaded. Under the provider's memory_budget, a load waits for room and
// an idle model may be unloaded (state back to pending) to make room for another.
//
// Thread safety: every method may be called from any thread. generate() calls on one
// LocalModel are serialised (they share the session's KV cache); open the same catalog entry
// twice, or two entries on one folder, to run generations in parallel on shared weights.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <switchboard/catalog.hpp>
#include <switchboard/model.hpp>
#include <switchboard/model_store.hpp>

#include "backends/backend.hpp"
#include "engine/transformer.hpp"
#include "plugin/loaded_model.hpp"

namespace switchboard::local {

// Gives the LoadedModel of a folder, loading it once for everyone who asks.
using FolderLoader = std::function<std::shared_ptr<const LoadedModel>(const std::filesystem::path&, const LoadOptions&)>;

struct LocalModelSettings {
  std::filesystem::path folder;         // empty when the model comes from `source`
  std::optional<HubReference> source;   // fetched into the model store on first use
  LoadOptions load;
  int context = 0;          // 0 = the smaller of the model's max_position_embeddings and 4096
  int prefill_chunk = 128;  // prompt tokens per forward pass while prefilling (the backend's choice)
  std::shared_ptr<MemoryBudget> budget;  // null: load without asking
  std::chrono::milliseconds keep_alive{std::chrono::minutes(5)};  // idle time before the budget may unload it
};

class LocalModel final : public Model, public std::enable_shared_from_this<LocalModel> {
 public:
  static std::shared_ptr<LocalModel> create(ModelEntry entry, LocalModelSettings settings, FolderLoader loader,
                                            std::shared_ptr<Backend> backend);

  ModelInfo info() const override;
  LoadState state() const override;
  LoadState prepare(std::stop_token stop = {}) override;
  Completion generate(const Request& request, const ChunkSink& on_chunk = {}, std::stop_token stop = {}) override;

 private:
  LocalModel(ModelEntry entry, LocalModelSettings settings, FolderLoader loader, std::shared_ptr<Backend> backend);
  std::filesystem::path fetch(std::stop_token stop);  // the folder; downloading a `source` as needed
  void load(std::stop_token stop);                    // under session_mutex_
  bool unload();  // for the memory budget: false while a generation runs
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
  std::unique_ptr<MemoryBudget::Lease> lease_;  // guarded by session_mutex_; held while loaded
  std::unique_ptr<KVCache> cache_;
  std::vector<std::int32_t> cached_tokens_;  // what cache_ holds, position by position
  // Kept between generations with its activation buffers: made anew for each, they landed where
  // the heap's history put them, and a benchmark's peak RSS moved by 5 MB from run to run.
  std::unique_ptr<Transformer> transformer_;
};

}  // namespace switchboard::local
