#pragma once
// The host's entry point: a catalog, its plugins, and the models they serve.
//
//   auto runtime = switchboard::Runtime::from_file(switchboard::Catalog::default_path());
//   auto model = runtime.model("shakespeare");
//   auto reply = model->generate({.messages = {switchboard::Message::user("Hello")}});

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "switchboard/catalog.hpp"
#include "switchboard/model.hpp"
#include "switchboard/provider.hpp"
#include "switchboard/registry.hpp"

namespace switchboard {

struct ProviderStatus {
  std::string name;    // the catalog's name
  std::string plugin;  // the plugin it asks for
  bool started = false;
  std::optional<ProviderInfo> info;  // once started
  std::optional<Error> error;        // why it could not start
};

// Thread safety: all methods may be called from any thread.
class Runtime {
 public:
  // Scans the catalog's plugin_paths, $SWITCHBOARD_PLUGIN_PATH and the install prefix.
  explicit Runtime(Catalog catalog);
  static Runtime from_file(const std::filesystem::path& catalog_file);

  Runtime(Runtime&&) noexcept;
  Runtime& operator=(Runtime&&) noexcept;
  ~Runtime();

  const Catalog& catalog() const;
  const Registry& registry() const;

  // The model a catalog name or alias means (the default for an empty name), opened once
  // and shared. Throws Error: not_found for an unknown name, plugin or config when its
  // provider cannot start. Other models keep working either way.
  std::shared_ptr<Model> model(const std::string& name = {});

  // The provider instance of that catalog name, started on first use.
  std::shared_ptr<LLMProvider> provider(const std::string& name);

  // Starts every provider that has not started (or failed) yet and reports each one.
  std::vector<ProviderStatus> providers();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace switchboard
