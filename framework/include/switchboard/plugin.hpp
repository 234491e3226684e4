#pragma once
// The plugin SDK: everything a provider plugin needs is this header and one macro.
//
//   class MyProvider : public switchboard::LLMProvider { ... };
//   SWITCHBOARD_PLUGIN("my-provider", "1.0.0",
//       [](const switchboard::ProviderEntry& entry) -> std::shared_ptr<switchboard::LLMProvider> {
//         return std::make_shared<MyProvider>(entry);
//       })
//
// Plugins exchange C++ objects (std::string, std::function, nlohmann::json) with the host, so
// host and plugin must agree on compiler, standard library and framework version. The registry
// compares the ABI tag below before it calls anything in the plugin.

#include <cstdint>
#include <memory>

#include <boost/config.hpp>

#include "switchboard/provider.hpp"
#include "switchboard/version.hpp"

namespace switchboard {

// Bumped whenever PluginDescriptor's layout changes.
inline constexpr std::uint32_t kPluginAbiVersion = 1;

#define SWITCHBOARD_DETAIL_STR2(x) #x
#define SWITCHBOARD_DETAIL_STR(x) SWITCHBOARD_DETAIL_STR2(x)
#if defined(__clang__)
#define SWITCHBOARD_DETAIL_COMPILER "clang-" SWITCHBOARD_DETAIL_STR(__clang_major__)
#elif defined(__GNUC__)
#define SWITCHBOARD_DETAIL_COMPILER "gcc-" SWITCHBOARD_DETAIL_STR(__GNUC__)
#else
#define SWITCHBOARD_DETAIL_COMPILER "unknown-compiler"
#endif
#if defined(_GLIBCXX_RELEASE)
#define SWITCHBOARD_DETAIL_STDLIB "libstdc++-" SWITCHBOARD_DETAIL_STR(_GLIBCXX_RELEASE)
#elif defined(_LIBCPP_VERSION)
#define SWITCHBOARD_DETAIL_STDLIB "libc++-" SWITCHBOARD_DETAIL_STR(_LIBCPP_VERSION)
#else
#define SWITCHBOARD_DETAIL_STDLIB "unknown-stdlib"
#endif

// "compiler;standard library;framework major.minor" of the code that includes this header.
#define SWITCHBOARD_ABI_TAG                                          \
  SWITCHBOARD_DETAIL_COMPILER ";" SWITCHBOARD_DETAIL_STDLIB ";switchboard-" \
      SWITCHBOARD_DETAIL_STR(SWITCHBOARD_VERSION_MAJOR) "." SWITCHBOARD_DETAIL_STR(SWITCHBOARD_VERSION_MINOR)

using ProviderFactory = std::shared_ptr<LLMProvider> (*)(const ProviderEntry& entry);

// The one symbol a plugin exports. abi_version stays the first member in every version so
// that a registry can read it from any plugin, old or new.
struct PluginDescriptor {
  std::uint32_t abi_version;
  const char* abi_tag;
  const char* name;
  const char* version;
  ProviderFactory create;
};

inline constexpr const char* kPluginSymbol = "switchboard_plugin";

}  // namespace switchboard

// Exports the plugin's descriptor. `factory` is anything convertible to ProviderFactory,
// a captureless lambda included.
#define SWITCHBOARD_PLUGIN(plugin_name, plugin_version, factory)                         \
  extern "C" BOOST_SYMBOL_EXPORT const ::switchboard::PluginDescriptor switchboard_plugin; \
  const ::switchboard::PluginDescriptor switchboard_plugin = {                            \
      ::switchboard::kPluginAbiVersion, SWITCHBOARD_ABI_TAG, plugin_name, plugin_version,   \
      static_cast<::switchboard::ProviderFactory>(factory)};
