#pragma once
// Everything read from one model folder, loaded once and shared (read-only) by every Model
// opened on that folder: config, weights, tokenizer, chat template. And the memory budget that
// decides whether a folder may be loaded now.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
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

// What a model will hold once loaded, estimated from config.json and the weight files' sizes
// before anything is read. `context` 0 means the model's own (at most 4096).
struct MemoryEstimate {
  std::int64_t weights = 0;   // shared by every model opened on the folder
  std::int64_t kv_cache = 0;  // keys and values for `context` positions, float32
  std::int64_t scratch = 0;   // one prefill chunk's activations and logits
  std::int64_t total() const { return weights + kv_cache + scratch; }
};
MemoryEstimate estimate_memory(const std::filesystem::path& folder, const LoadOptions& options, int context,
                               int prefill_chunk);

// The local provider's `memory_budget`. A load is admitted when it fits; else idle models are
// unloaded, least recently used first, once their keep_alive has passed; else it waits for one
// to become idle (or for its stop token); a load that could not fit even in an empty budget is
// refused at once with Error(unavailable) saying what it needs and what is free.
class MemoryBudget {
 public:
  // A loaded model's share of the budget; released when destroyed.
  class Lease {
   public:
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    void set_busy(bool busy);  // a generation runs: not to be unloaded; false also marks it used now

   private:
    friend class MemoryBudget;
    explicit Lease(MemoryBudget& budget) : budget_(budget) {}
    MemoryBudget& budget_;
  };

  // `unload` is called without the budget's lock; it returns false when the model is busy.
  struct Tenant {
    std::string name;
    std::string weights_key;  // models with the same key share their weights
    MemoryEstimate need;
    std::chrono::milliseconds keep_alive{std::chrono::minutes(5)};
    std::function<bool()> unload;
  };

  explicit MemoryBudget(std::int64_t bytes) : bytes_(bytes) {}
  std::int64_t bytes() const { return bytes_; }
  std::int64_t used() const;

  // Blocks until the tenant fits (unloading or waiting as above). Throws Error(unavailable).
  std::unique_ptr<Lease> admit(Tenant tenant, std::stop_token stop);

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    Tenant tenant;
    const Lease* lease = nullptr;
    bool busy = false;
    Clock::time_point last_used;
  };
  std::int64_t used_locked() const;
  std::int64_t need_locked(const Tenant& tenant) const;
  void release(const Lease* lease);
  void set_busy(const Lease* lease, bool busy);

  const std::int64_t bytes_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  std::list<Entry> entries_;
};

}  // namespace switchboard::local
