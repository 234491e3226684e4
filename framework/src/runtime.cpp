#include "switchboard/runtime.hpp"

#include "switchboard/log.hpp"

namespace switchboard {

struct Runtime::State {
  explicit State(Catalog catalog_in) : catalog(std::move(catalog_in)) {}

  Catalog catalog;
  Registry registry;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<LLMProvider>> providers;
  std::map<std::string, Error> provider_errors;  // providers that could not start, and why
  std::map<std::string, std::shared_ptr<Model>> models;

  // Starts a provider once; a failure is remembered so every later use reports the same
  // error without calling the plugin again. Call with `mutex` held.
  std::shared_ptr<LLMProvider> provider_locked(const std::string& name) {
    if (auto found = providers.find(name); found != providers.end()) return found->second;
    if (auto failed = provider_errors.find(name); failed != provider_errors.end()) throw failed->second;
    const auto entry = catalog.providers().find(name);
    if (entry == catalog.providers().end())
      throw Error(ErrorCategory::not_found, catalog.file().string() + ": no provider named '" + name + "'");
    try {
      auto provider = registry.create(entry->second);
      providers.emplace(name, provider);
      return provider;
    } catch (const Error& error) {
      provider_errors.emplace(name, error);
      logger()->error("{}", error.what());
      throw;
    }
  }
};

Runtime::Runtime(Catalog catalog) : state_(std::make_unique<State>(std::move(catalog))) {
  state_->registry.scan(Registry::search_path(state_->catalog.plugin_paths()));
}

Runtime Runtime::from_file(const std::filesystem::path& catalog_file) { return Runtime(Catalog::load(catalog_file)); }

Runtime::Runtime(Runtime&&) noexcept = default;
Runtime& Runtime::operator=(Runtime&&) noexcept = default;
Runtime::~Runtime() = default;

const Catalog& Runtime::catalog() const { return state_->catalog; }
const Registry& Runtime::registry() const { return state_->registry; }

std::shared_ptr<LLMProvider> Runtime::provider(const std::string& name) {
  std::lock_guard lock(state_->mutex);
  return state_->provider_locked(name);
}

std::shared_ptr<Model> Runtime::model(const std::string& name) {
  const ModelEntry& entry = state_->catalog.model(name);
  std::lock_guard lock(state_->mutex);
  if (auto found = state_->models.find(entry.name); found != state_->models.end()) return found->second;
  auto provider = state_->provider_locked(entry.provider);
  std::shared_ptr<Model> model;
  try {
    model = provider->open(entry);
  } catch (const Error& error) {
    throw Error(error.category(), entry.where.to_string() + ": model '" + entry.name + "': " + error.what(), error.retry_after());
  }
  state_->models.emplace(entry.name, model);
  return model;
}

std::vector<ProviderStatus> Runtime::providers() {
  std::vector<ProviderStatus> statuses;
  std::lock_guard lock(state_->mutex);
  for (const auto& [name, entry] : state_->catalog.providers()) {
    ProviderStatus status{name, entry.plugin, false, std::nullopt, std::nullopt};
    try {
      status.info = state_->provider_locked(name)->info();
      status.started = true;
    } catch (const Error& error) {
      status.error = error;
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

}  // namespace switchboard
