// The remote plugin's provider: reads its settings once and opens models that share its
// connections and its in-flight limit. Exported as the plugin "remote".

#include <memory>

#include "switchboard/plugin.hpp"
#include "remote_model.hpp"

namespace switchboard::remote {
namespace {

class RemoteProvider : public LLMProvider {
 public:
  explicit RemoteProvider(const ProviderEntry& entry)
      : shared_(std::make_shared<ProviderShared>(parse_remote_config(entry))) {}

  ProviderInfo info() const override {
    const auto& config = shared_->config;
    // Only what is safe to show: never the key or header values.
    nlohmann::json details = {{"api", std::string(to_string(config.api))},
                              {"base_url", shared_->redactor->redact(config.base_url)},
                              {"max_in_flight", config.max_in_flight},
                              {"api_key", config.api_key.empty() ? "none" : "set"}};
    return ProviderInfo{config.provider_name, "remote", SWITCHBOARD_VERSION, std::move(details)};
  }

  std::shared_ptr<Model> open(const ModelEntry& entry) override {
    if (!entry.options.is_object() || !entry.options.empty())
      throw Error(ErrorCategory::config, "remote model '" + entry.name +
                                             "': options: the remote provider takes no model options; set the provider's "
                                             "settings in its providers: entry");
    return std::make_shared<RemoteModel>(entry, shared_);
  }

 private:
  std::shared_ptr<ProviderShared> shared_;
};

std::shared_ptr<LLMProvider> make_provider(const ProviderEntry& entry) {
  return std::make_shared<RemoteProvider>(entry);
}

}  // namespace
}  // namespace switchboard::remote

SWITCHBOARD_PLUGIN("remote", SWITCHBOARD_VERSION, &switchboard::remote::make_provider)
