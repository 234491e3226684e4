#pragma once
// The model catalog: which plugins exist, which provider instances to make of them, and which
// model each name means. Read from YAML; see registry/default.yaml and docs/catalog.md.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "switchboard/error.hpp"
#include "switchboard/request.hpp"

namespace switchboard {

struct SourceLocation {
  std::filesystem::path file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based

  std::string to_string() const;  // "file:line:column"
};

// One `providers:` entry. `options` holds every key but `plugin`, with ${VAR} expanded; the
// plugin's factory validates them.
struct ProviderEntry {
  std::string name;
  std::string plugin;
  nlohmann::json options = nlohmann::json::object();
  std::filesystem::path base_dir;  // the catalog file's folder: relative paths in options start here
  SourceLocation where;
};

// The top-level `hub:` section: where the model store downloads from and keeps models. Unset
// fields fall back to the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, ...); see
// docs/store.md.
struct HubConfig {
  std::optional<std::string> endpoint;           // "https://huggingface.co"
  std::optional<std::string> token;              // usually ${HF_TOKEN}
  std::optional<std::filesystem::path> cache;    // made absolute
  std::optional<int> max_parallel_downloads;     // >= 1
  std::vector<std::string> patterns;             // files to fetch; empty: what a model needs
  SourceLocation where;
};

// One `models:` entry.
struct ModelEntry {
  std::string name;
  std::string provider;
  std::optional<std::filesystem::path> path;  // a local folder, made absolute
  std::optional<std::string> source;          // a hub reference, "hf:org/repo[@revision]"
  std::optional<std::string> remote_name;     // the name a remote API knows the model by
  std::optional<int> context;                 // context length, when the catalog limits it
  std::optional<std::string> quantize;        // "q4", "q8" or "none": how a local provider stores float weights
  GenerationOptions defaults;                 // laid under every request's options
  std::vector<std::string> aliases;
  std::string description;
  nlohmann::json options = nlohmann::json::object();  // provider-specific, passed through
  std::filesystem::path base_dir;
  SourceLocation where;
  // How long a local model stays loaded after its last use when memory is needed for another;
  // unset: the provider's default.
  std::optional<std::chrono::milliseconds> keep_alive;
  HubConfig hub;  // the catalog's `hub:` section, for providers that fetch `source:`
};

// One problem found while reading a catalog.
struct CatalogIssue {
  SourceLocation where;
  std::string field;    // "models.qwen.provider"
  std::string message;  // what is wrong and what was expected

  std::string to_string() const;  // "file:line:column: field: message"
};

// Thrown by Catalog::load / parse with every problem found, not just the first.
class BOOST_SYMBOL_VISIBLE CatalogError : public Error {
 public:
  explicit CatalogError(std::vector<CatalogIssue> issues);
  const std::vector<CatalogIssue>& issues() const noexcept { return issues_; }

 private:
  std::vector<CatalogIssue> issues_;
};

class Catalog {
 public:
  // Reads a catalog file and the files it includes. Throws CatalogError.
  static Catalog load(const std::filesystem::path& file);
  // Reads catalog text; `file` names it in errors and anchors relative paths.
  static Catalog parse(const std::string& yaml, const std::filesystem::path& file);

  // $SWITCHBOARD_CATALOG, else the default.yaml beside the installed (or built) framework,
  // else the source tree's registry/default.yaml.
  static std::filesystem::path default_path();

  const std::filesystem::path& file() const { return file_; }
  const std::vector<std::filesystem::path>& plugin_paths() const { return plugin_paths_; }
  const std::map<std::string, ProviderEntry>& providers() const { return providers_; }
  const std::map<std::string, ModelEntry>& models() const { return models_; }
  const std::string& default_model() const { return default_model_; }
  const HubConfig& hub() const { return hub_; }

  // A model by name or alias; the default model for an empty name. Throws Error(not_found)
  // with a did-you-mean.
  const ModelEntry& model(const std::string& name_or_alias = {}) const;

 private:
  friend class CatalogReader;
  std::filesystem::path file_;
  std::vector<std::filesystem::path> plugin_paths_;
  std::map<std::string, ProviderEntry> providers_;
  std::map<std::string, ModelEntry> models_;
  std::map<std::string, std::string> aliases_;  // alias -> model name
  std::string default_model_;
  HubConfig hub_;
};

}  // namespace switchboard
