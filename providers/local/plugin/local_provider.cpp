// The `local` plugin: Hugging Face and MLX model folders, run on this machine.
//
//   providers:
//     cpu: { plugin: local, backend: cpu, threads: auto }
//   models:
//     shakespeare: { provider: cpu, path: models/tiny-shakespeare, context: 512, quantize: q8 }
//     qwen: { provider: cpu, source: "hf:mlx-community/Qwen2.5-3B-Instruct-4bit", keep_alive: 5m }

#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <switchboard/log.hpp>
#include <switchboard/plugin.hpp>

#include "backends/byte_size.hpp"
#include "plugin/local_model.hpp"

namespace switchboard::local {
namespace {

// More prompt tokens per forward pass than any context here holds; a chunk's scratch memory
// grows with it (estimate_memory), so a typo of extra digits is an error, not a huge reservation.
constexpr std::int64_t kMaxPrefillChunk = 65536;

// One LoadedModel per (folder, load options), shared while any model uses it.
class FolderCache {
 public:
  std::shared_ptr<const LoadedModel> get(const std::filesystem::path& folder, const LoadOptions& options) {
    const std::string key = folder.string() + "|q" + std::to_string(options.quantize_bits) + "g" + std::to_string(options.quantize_group_size) +
                            (options.residency == Residency::huge_pages ? "|huge" : "|mapped");
    std::lock_guard lock(mutex_);
    if (auto existing = loaded_[key].lock()) return existing;
    auto loaded = load_model_folder(folder, options);
    loaded_[key] = loaded;
    return loaded;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<const LoadedModel>> loaded_;
};

int read_threads(const nlohmann::json& value) {
  if (value.is_string() && value == "auto") return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (value.is_number_integer() && value.get<int>() > 0) return value.get<int>();
  throw Error(ErrorCategory::config, "option 'threads': expected \"auto\" or a positive integer, got " + value.dump());
}

// "30s", "5m", "1h", "500ms", or a number of seconds.
std::chrono::milliseconds read_duration(const nlohmann::json& value, const std::string& field) {
  if (value.is_number_integer() && value.get<long long>() >= 0) return std::chrono::seconds(value.get<long long>());
  const std::string text = value.is_string() ? value.get<std::string>() : "";
  std::size_t digits = 0;
  while (digits < text.size() && digits < 9 && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string unit = text.substr(digits);
  if (digits > 0) {
    const long long number = std::stoll(text.substr(0, digits));
    if (unit == "ms") return std::chrono::milliseconds(number);
    if (unit == "s" || unit.empty()) return std::chrono::seconds(number);
    if (unit == "m") return std::chrono::minutes(number);
    if (unit == "h") return std::chrono::hours(number);
  }
  throw Error(ErrorCategory::config, "option '" + field + "': expected a duration such as 30s, 5m or 1h, got " + value.dump());
}

class LocalProvider final : public LLMProvider {
 public:
  explicit LocalProvider(const ProviderEntry& entry) : name_(entry.name) {
    BackendOptions backend_options;
    std::optional<bool> mmap;
    for (const auto& [key, value] : entry.options.items()) {
      if (key == "backend") {
        if (!value.is_string()) throw Error(ErrorCategory::config, "option 'backend': expected cpu, vulkan or auto, got " + value.dump());
        backend_options.kind = value.get<std::string>();
      } else if (key == "threads") {
        backend_options.threads = read_threads(value);
      } else if (key == "device") {
        if (!value.is_string() && !value.is_number_integer())
          throw Error(ErrorCategory::config, "option 'device': expected a device index or name, got " + value.dump());
        backend_options.device = value.is_string() ? value.get<std::string>() : std::to_string(value.get<int>());
      } else if (key == "memory_limit") {
        backend_options.memory_limit = read_byte_size(value, "memory_limit");
      } else if (key == "context") {
        if (!value.is_number_integer() || value.get<int>() <= 0)
          throw Error(ErrorCategory::config, "option 'context': expected a positive integer, got " + value.dump());
        context_ = value.get<int>();
      } else if (key == "memory_budget") {
        budget_ = std::make_shared<MemoryBudget>(static_cast<std::int64_t>(read_byte_size(value, "memory_budget")));
      } else if (key == "keep_alive") {
        keep_alive_ = read_duration(value, "keep_alive");
      } else if (key == "mmap") {
        if (!value.is_boolean()) throw Error(ErrorCategory::config, "option 'mmap': expected true or false, got " + value.dump());
        mmap = value.get<bool>();
      } else {
        throw Error(ErrorCategory::config,
                    "unknown option '" + key + "' (known: backend, threads, device, memory_limit, context, memory_budget, keep_alive, mmap)");
      }
    }
    backend_ = make_backend(backend_options);
    // Unset, `mmap:` follows the backend: one that reads weights in host memory streams them
    // faster from huge pages (benchmarks/RESULTS.md, session 10), where the kernel grants them, at
    // the cost of a private copy instead of page cache shared between processes; a GPU copies
    // them to its own memory, so for it the mapping is enough.
    const bool huge = mmap ? !*mmap : backend_->reads_weights_in_host_memory() && huge_pages_on_advice();
    residency_ = huge ? Residency::huge_pages : Residency::mapped;
  }

  ProviderInfo info() const override {
    nlohmann::json details = backend_->describe();
    details["weights"] = residency_ == Residency::mapped ? "mapped" : "huge_pages";
    return {name_, "local", "0.1.0", std::move(details)};
  }

  std::shared_ptr<Model> open(const ModelEntry& entry) override {
    if (!entry.path && !entry.source) {
      throw Error(ErrorCategory::config,
                  "model '" + entry.name + "': the local provider needs 'path:' (a model folder) or 'source: hf:org/repo'");
    }
    LocalModelSettings settings;
    if (entry.path) settings.folder = *entry.path;
    else settings.source = HubReference::parse(*entry.source);  // fetched into the model store on first use
    settings.budget = budget_;
    settings.keep_alive = entry.keep_alive.value_or(keep_alive_);
    settings.context = entry.context.value_or(context_);
    settings.prefill_chunk = backend_->prefill_chunk();
    if (entry.quantize == "q4") settings.load.quantize_bits = 4;
    if (entry.quantize == "q8") settings.load.quantize_bits = 8;
    settings.load.residency = residency_;
    for (const auto& [key, value] : entry.options.items()) {
      if (key != "prefill_chunk")
        throw Error(ErrorCategory::config, "model '" + entry.name + "': unknown option '" + key + "' (known: prefill_chunk)");
      if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > kMaxPrefillChunk)
        throw Error(ErrorCategory::config, "model '" + entry.name + "': option 'prefill_chunk' expects a whole number of tokens from 1 to " +
                                               std::to_string(kMaxPrefillChunk) + "; got " + value.dump());
      settings.prefill_chunk = value.get<int>();
    }
    auto cache = folders_;
    return LocalModel::create(
        entry, settings, [cache](const std::filesystem::path& folder, const LoadOptions& options) { return cache->get(folder, options); },
        backend_);
  }

 private:
  std::string name_;
  Residency residency_ = Residency::mapped;  // mmap: true, or false (huge pages)
  int context_ = 0;
  std::shared_ptr<MemoryBudget> budget_;  // null: no memory_budget
  std::chrono::milliseconds keep_alive_ = std::chrono::minutes(5);
  std::shared_ptr<Backend> backend_;
  std::shared_ptr<FolderCache> folders_ = std::make_shared<FolderCache>();
};

}  // namespace
}  // namespace switchboard::local

SWITCHBOARD_PLUGIN("local", "0.1.0", [](const switchboard::ProviderEntry& entry) -> std::shared_ptr<switchboard::LLMProvider> {
  return std::make_shared<switchboard::local::LocalProvider>(entry);
})
