#pragma once
// Finds provider plugins (shared objects), checks them, and makes provider instances.

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "switchboard/catalog.hpp"
#include "switchboard/provider.hpp"

namespace switchboard {

struct PluginInfo {
  std::string name;
  std::string version;
  std::string abi_tag;
  std::filesystem::path file;
};

struct PluginLoadFailure {
  std::filesystem::path file;
  std::string reason;
};

// Thread safety: all methods may be called from any thread.
// A plugin's library stays loaded while the registry or anything made from it is alive.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Where plugins are looked for, in order: `extra` (a catalog's plugin_paths), then each
  // folder of $SWITCHBOARD_PLUGIN_PATH (':'-separated), then lib/switchboard/plugins beside
  // the framework library (the install prefix, or the build tree laid out like it).
  // Never the current directory.
  static std::vector<std::filesystem::path> search_path(
      const std::vector<std::filesystem::path>& extra = {});

  // Loads every *.so in each folder (folders that do not exist are skipped). A file that
  // fails is recorded in failures() and the scan goes on.
  void scan(const std::vector<std::filesystem::path>& folders);

  // Loads one plugin file. Returns false and records the failure when it is refused.
  bool load(const std::filesystem::path& file);

  std::vector<PluginInfo> plugins() const;
  std::vector<PluginLoadFailure> failures() const;
  bool has(const std::string& plugin) const;

  // Makes a provider instance with `entry.plugin`'s factory. Throws Error(not_found) for an
  // unknown plugin and Error(plugin or config) when the factory fails, naming the entry.
  std::shared_ptr<LLMProvider> create(const ProviderEntry& entry) const;

 private:
  struct Loaded;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Loaded>> loaded_;
  std::vector<PluginLoadFailure> failures_;
};

}  // namespace switchboard
