// A plugin built by another compiler against another framework version.
#include <switchboard/plugin.hpp>

extern "C" BOOST_SYMBOL_EXPORT const switchboard::PluginDescriptor switchboard_plugin;
const switchboard::PluginDescriptor switchboard_plugin = {
    switchboard::kPluginAbiVersion, "gcc-4;" SWITCHBOARD_DETAIL_STDLIB ";switchboard-99.0", "foreign", "1.0.0",
    [](const switchboard::ProviderEntry&) -> std::shared_ptr<switchboard::LLMProvider> { return nullptr; }};
