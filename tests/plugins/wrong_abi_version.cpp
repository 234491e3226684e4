// A descriptor from a future framework: the registry must refuse it before reading further.
#include <switchboard/plugin.hpp>

extern "C" BOOST_SYMBOL_EXPORT const switchboard::PluginDescriptor switchboard_plugin;
const switchboard::PluginDescriptor switchboard_plugin = {switchboard::kPluginAbiVersion + 998, SWITCHBOARD_ABI_TAG,
                                                          "future", "9.0.0", nullptr};
