#include "plugin/loaded_model.hpp"

#include <algorithm>
#include <chrono>

#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

#include "backends/byte_size.hpp"

namespace switchboard::local {
namespace fs = std::filesystem;

std::shared_ptr<const LoadedModel> load_model_folder(const fs::path& folder, const LoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!fs::is_directory(folder)) throw Error(ErrorCategory::not_found, folder.string() + ": model folder does not exist");
  const fs::path tokenizer_file = folder / "tokenizer.json";
  if (!fs::exists(tokenizer_file)) throw Error(ErrorCategory::not_found, tokenizer_file.string() + ": missing (the model's tokenizer)");

  auto config = load_model_config(folder);
  // The tokenizer first: parsing its JSON takes tens of MiB for a moment, which would add to the
  // peak RSS if the weights were already read in (Residency::huge_pages).
  auto tokenizer = Tokenizer::from_file(tokenizer_file);
  std::optional<ChatTemplate> chat_template;
  try {
    chat_template = ChatTemplate::from_model_folder(folder);
  } catch (const Error& error) {
    if (error.category() != ErrorCategory::not_found) throw;
    logger()->info("{}: no chat template; messages are joined as plain text", folder.string());
  }
  auto store = std::make_unique<TensorStore>(folder, options.residency);
  auto weights = load_transformer_weights(*store, config, options);
  auto loaded = std::make_shared<LoadedModel>(LoadedModel{folder, std::move(config), std::move(store), std::move(weights),
                                                          std::move(tokenizer), std::move(chat_template), 0});
  loaded->load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  logger()->info("loaded {} ({}, {} layers, {:.1f} MiB of weights) in {:.2f} s", folder.string(), loaded->config.model_type,
                 loaded->config.num_layers, static_cast<double>(loaded->weights.bytes()) / (1 << 20), loaded->load_seconds);
  return loaded;
}

MemoryEstimate estimate_memory(const fs::path& folder, const LoadOptions& options, int context, int prefill_chunk) {
  const ModelConfig config = load_model_config(folder);
  if (context <= 0) context = std::min(config.max_position_embeddings, 4096);  // LocalModel's default
  MemoryEstimate estimate;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.path().extension() == ".safetensors") estimate.weights += static_cast<std::int64_t>(entry.file_size(error));
  }
  // Float weights quantized on load shrink to about bits/16 of their bf16 size.
  if (options.quantize_bits > 0 && config.quantization.bits == 0) estimate.weights = estimate.weights * options.quantize_bits / 16;
  const std::int64_t kv_width = static_cast<std::int64_t>(config.num_kv_heads) * config.head_dim;
  // Float32 keys and values: the most any backend keeps (the CPU's values are halves).
  estimate.kv_cache = 2 * static_cast<std::int64_t>(config.num_layers) * context * kv_width * 4;
  const std::int64_t per_token = 3LL * config.hidden_size + 2LL * config.num_heads * config.head_dim + 2 * kv_width +
                                 3LL * config.intermediate_size + config.vocab_size;
  estimate.scratch = static_cast<std::int64_t>(prefill_chunk) * per_token * 4;
  return estimate;
}

std::int64_t MemoryBudget::need_locked(const Tenant& tenant) const {
  const bool weights_loaded = std::any_of(entries_.begin(), entries_.end(), [&](const Entry& entry) {
    return entry.tenant.weights_key == tenant.weights_key;
  });
  return tenant.need.kv_cache + tenant.need.scratch + (weights_loaded ? 0 : tenant.need.weights);
}

std::int64_t MemoryBudget::used_locked() const {
  std::int64_t used = 0;
  std::map<std::string, bool> weights_counted;
  for (const Entry& entry : entries_) {
    used += entry.tenant.need.kv_cache + entry.tenant.need.scratch;
    if (!weights_counted[entry.tenant.weights_key]) {
      weights_counted[entry.tenant.weights_key] = true;
      used += entry.tenant.need.weights;
    }
  }
  return used;
}

std::int64_t MemoryBudget::used() const {
  std::lock_guard lock(mutex_);
  return used_locked();
}

std::unique_ptr<MemoryBudget::Lease> MemoryBudget::admit(Tenant tenant, std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (tenant.need.total() > bytes_) {
    throw Error(ErrorCategory::unavailable,
                "model '" + tenant.name + "' needs " + describe_bytes(tenant.need.total()) + " (weights " + describe_bytes(tenant.need.weights) +
                    ", KV cache " + describe_bytes(tenant.need.kv_cache) + ", scratch " + describe_bytes(tenant.need.scratch) +
                    ") but the provider's memory_budget is " + describe_bytes(bytes_) + " (" + describe_bytes(std::max<std::int64_t>(0, bytes_ - used_locked())) +
                    " free now); raise memory_budget or lower the model's context");
  }
  while (true) {
    if (stop.stop_requested()) throw Error(ErrorCategory::unavailable, "model '" + tenant.name + "': loading cancelled while waiting for memory");
    const std::int64_t need = need_locked(tenant);
    if (used_locked() + need <= bytes_) {
      std::unique_ptr<Lease> lease(new Lease(*this));
      entries_.push_back({std::move(tenant), lease.get(), false, Clock::now()});
      return lease;
    }
    // The least recently used idle model whose keep_alive has passed goes first.
    const auto now = Clock::now();
    const Entry* victim = nullptr;
    std::optional<Clock::time_point> next_expiry;
    for (const Entry& entry : entries_) {
      if (entry.busy) continue;
      const auto expires = entry.last_used + entry.tenant.keep_alive;
      if (expires <= now) {
        if (!victim || entry.last_used < victim->last_used) victim = &entry;
      } else if (!next_expiry || expires < *next_expiry) {
        next_expiry = expires;
      }
    }
    if (victim) {
      logger()->info("memory_budget: unloading '{}' (idle) to make room for '{}'", victim->tenant.name, tenant.name);
      const auto unload = victim->tenant.unload;
      lock.unlock();
      const bool unloaded = unload();  // releases its lease, which takes the lock
      lock.lock();
      if (unloaded) continue;
    }
    logger()->info("memory_budget: '{}' needs {}, {} free; waiting for a model to become idle", tenant.name, describe_bytes(need),
                   describe_bytes(std::max<std::int64_t>(0, bytes_ - used_locked())));
    const auto until = next_expiry.value_or(now + std::chrono::seconds(1));
    changed_.wait_until(lock, stop, until, [] { return false; });
  }
}

void MemoryBudget::release(const Lease* lease) {
  {
    std::lock_guard lock(mutex_);
    entries_.remove_if([&](const Entry& entry) { return entry.lease == lease; });
  }
  changed_.notify_all();
}

void MemoryBudget::set_busy(const Lease* lease, bool busy) {
  {
    std::lock_guard lock(mutex_);
    for (Entry& entry : entries_) {
      if (entry.lease != lease) continue;
      entry.busy = busy;
      entry.last_used = Clock::now();
    }
  }
  changed_.notify_all();
}

MemoryBudget::Lease::~Lease() { budget_.release(this); }

void MemoryBudget::Lease::set_busy(bool busy) { budget_.set_busy(this, busy); }

}  // namespace switchboard::local
