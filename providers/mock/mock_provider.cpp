// The mock plugin's provider: checks the provider's options once, then opens models whose
// options are laid over them. Exported as the plugin "mock".

#include <memory>

#include "switchboard/plugin.hpp"
#include "mock_config.hpp"
#include "mock_model.hpp"

namespace switchboard::mock {
namespace {

class MockProvider : public LLMProvider {
 public:
  explicit MockProvider(const ProviderEntry& entry) : entry_(entry) {
    // Checked here so that a mistake in the provider's options is reported once, by name.
    parse_config(entry_.options, "mock plugin");
  }

  ProviderInfo info() const override {
    return ProviderInfo{entry_.name, "mock", SWITCHBOARD_VERSION, entry_.options};
  }

  std::shared_ptr<Model> open(const ModelEntry& entry) override {
    // The registry and the runtime prefix the catalog place and the provider or model name.
    const std::string owner = "mock plugin";
    if (!entry.options.is_object())
      throw Error(ErrorCategory::config, owner + ": options: expected a mapping, got " + entry.options.dump());
    auto config = parse_config(layer_options(entry_.options, entry.options), owner);
    return std::make_shared<MockModel>(entry, std::move(config));
  }

 private:
  const ProviderEntry entry_;
};

std::shared_ptr<LLMProvider> make_provider(const ProviderEntry& entry) {
  return std::make_shared<MockProvider>(entry);
}

}  // namespace
}  // namespace switchboard::mock

SWITCHBOARD_PLUGIN("mock", SWITCHBOARD_VERSION, &switchboard::mock::make_provider)
