#pragma once
// Where the framework finds its own files: beside the shared library, which sits in lib/ of
// the install prefix or of the build tree (laid out the same way).

#include <filesystem>

namespace switchboard::detail {

// The folder holding libswitchboard.so.
std::filesystem::path framework_library_dir();
// <lib>/switchboard/plugins
std::filesystem::path installed_plugin_dir();
// <prefix>/share/switchboard
std::filesystem::path installed_share_dir();
// The source tree this framework was built from (its registry/ holds the default catalog).
std::filesystem::path source_dir();

}  // namespace switchboard::detail
