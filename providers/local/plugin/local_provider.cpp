// The `local` plugin: Hugging Face and MLX model folders, run on this machine.
//
//   providers:
//     cpu: { plugin: local, backend: cpu, threads: auto }
//   models:
//     shakespeare: { provider: cpu, path: models/tiny-shakespeare, context: 512, quantize: q8 }

#include <cblas.h>

#include <map>
#include <mutex>
#include <thread>

#include <switchboard/log.hpp>
#include <switchboard/plugin.hpp>

#include "plugin/local_model.hpp"

namespace switchboard::local {
namespace {

// One LoadedModel per (folder, load options), shared while any model uses it.
class FolderCache {
 public:
  std::shared_ptr<const LoadedModel> get(const std::filesystem::path& folder, const LoadOptions& options) {
    const std::string key = folder.string() + "|q" + std::to_string(options.quantize_bits) + "g" + std::to_string(options.quantize_group_size);
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

class LocalProvider final : public LLMProvider {
 public:
  explicit LocalProvider(const ProviderEntry& entry) : name_(entry.name) {
    for (const auto& [key, value] : entry.options.items()) {
      if (key == "backend") {
        if (!value.is_string() || (value != "cpu" && value != "auto"))
          throw Error(ErrorCategory::config, "option 'backend': expected cpu or auto (the Vulkan backend is not built yet), got " + value.dump());
      } else if (key == "threads") {
        threads_ = read_threads(value);
      } else if (key == "context") {
        if (!value.is_number_integer() || value.get<int>() <= 0)
          throw Error(ErrorCategory::config, "option 'context': expected a positive integer, got " + value.dump());
        context_ = value.get<int>();
      } else {
        throw Error(ErrorCategory::config, "unknown option '" + key + "' (known: backend, threads, context)");
      }
    }
    if (threads_ > 0) openblas_set_num_threads(threads_);
    backend_ = make_cpu_backend();
  }

  ProviderInfo info() const override {
    return {name_, "local", "0.1.0", {{"backend", backend_->name()}, {"threads", threads_ > 0 ? threads_ : openblas_get_num_threads()}}};
  }

  std::shared_ptr<Model> open(const ModelEntry& entry) override {
    if (!entry.path) {
      if (entry.source)
        throw Error(ErrorCategory::config, "model '" + entry.name + "': 'source: " + *entry.source +
                                               "' needs the model store, which this build does not have yet; download the folder and use 'path:'");
      throw Error(ErrorCategory::config, "model '" + entry.name + "': the local provider needs 'path:' (a model folder)");
    }
    LocalModelSettings settings;
    settings.folder = *entry.path;
    settings.context = entry.context.value_or(context_);
    if (entry.quantize == "q4") settings.load.quantize_bits = 4;
    if (entry.quantize == "q8") settings.load.quantize_bits = 8;
    for (const auto& [key, value] : entry.options.items()) {
      if (key == "prefill_chunk" && value.is_number_integer() && value.get<int>() > 0) settings.prefill_chunk = value.get<int>();
      else throw Error(ErrorCategory::config, "model '" + entry.name + "': unknown option '" + key + "' (known: prefill_chunk)");
    }
    auto cache = folders_;
    return std::make_shared<LocalModel>(
        entry, settings, [cache](const std::filesystem::path& folder, const LoadOptions& options) { return cache->get(folder, options); },
        backend_);
  }

 private:
  std::string name_;
  int threads_ = 0;  // 0 = OpenBLAS's own default
  int context_ = 0;
  std::shared_ptr<Backend> backend_;
  std::shared_ptr<FolderCache> folders_ = std::make_shared<FolderCache>();
};

}  // namespace
}  // namespace switchboard::local

SWITCHBOARD_PLUGIN("local", "0.1.0", [](const switchboard::ProviderEntry& entry) -> std::shared_ptr<switchboard::LLMProvider> {
  return std::make_shared<switchboard::local::LocalProvider>(entry);
})
