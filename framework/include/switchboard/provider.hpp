#pragma once
// A provider instance: one `providers:` entry of the catalog, made by a plugin's factory.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "switchboard/catalog.hpp"
#include "switchboard/model.hpp"

namespace switchboard {

struct ProviderInfo {
  std::string name;     // the catalog's name for this instance
  std::string plugin;   // the plugin that made it
  std::string version;  // the plugin's version
  nlohmann::json details = nlohmann::json::object();  // what the provider wants shown (devices, base_url)
};

// Thread safety: open() and info() may be called from any thread.
class BOOST_SYMBOL_VISIBLE LLMProvider {
 public:
  virtual ~LLMProvider() = default;

  virtual ProviderInfo info() const = 0;

  // Returns at once; the model loads on first use or Model::prepare(). Models opened on the
  // same weights share them. Throws Error(config) for an entry the provider cannot serve.
  virtual std::shared_ptr<Model> open(const ModelEntry& entry) = 0;
};

}  // namespace switchboard
