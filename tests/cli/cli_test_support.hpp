#pragma once
// What the CLI tests share: the built `switchboard` binary and temporary catalogs that use
// the mock plugin of the same build.

#include <filesystem>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace switchboard::testing {

inline const std::string kSwitchboardBinary = SWITCHBOARD_BUILD_DIR "/bin/switchboard";
inline const std::string kPluginDir = SWITCHBOARD_BUILD_DIR "/lib/switchboard/plugins";

// A fresh folder under the test temp dir, one per call.
std::filesystem::path make_temp_dir();

// Writes `text` to `name` in a fresh folder and returns the file's path.
std::filesystem::path write_temp_file(const std::string& name, const std::string& text);

// A catalog whose plugin_paths is the build's plugin folder, with a `test` provider of the
// mock plugin, followed by `rest` (models:, default:, more providers).
std::filesystem::path mock_catalog(const std::string& rest);

// The catalog most tests use: `tiny` (alias `small`, the default) answers "hi" with
// "Hello there" and anything else with "I am a mock.", and `parrot` echoes.
std::filesystem::path standard_catalog();

// Runs `switchboard --catalog CATALOG ARGS...` with `input` on stdin.
ProcessResult run_cli(const std::filesystem::path& catalog, const std::vector<std::string>& args,
                      const std::string& input = {});

}  // namespace switchboard::testing
