#include "cli_test_support.hpp"

#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace switchboard::testing {

std::filesystem::path make_temp_dir() {
  std::string pattern = ::testing::TempDir() + "switchboard-cli-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

std::filesystem::path write_temp_file(const std::string& name, const std::string& text) {
  auto file = make_temp_dir() / name;
  std::ofstream(file) << text;
  return file;
}

std::filesystem::path mock_catalog(const std::string& rest) {
  return write_temp_file("catalog.yaml",
                         "plugin_paths: [\"" + kPluginDir + "\"]\n"
                         "providers:\n"
                         "  test: { plugin: mock }\n" +
                             rest);
}

std::filesystem::path standard_catalog() {
  return mock_catalog(
      "models:\n"
      "  tiny:\n"
      "    provider: test\n"
      "    aliases: [small]\n"
      "    description: a scripted mock\n"
      "    options:\n"
      "      replies: [{match: \"hi\", reply: \"Hello there\"}]\n"
      "      default_reply: \"I am a mock.\"\n"
      "  parrot:\n"
      "    provider: test\n"
      "    options: { mode: echo }\n"
      "default: tiny\n");
}

ProcessResult run_cli(const std::filesystem::path& catalog, const std::vector<std::string>& args,
                      const std::string& input) {
  std::vector<std::string> all{"--catalog", catalog.string()};
  all.insert(all.end(), args.begin(), args.end());
  return run_process(kSwitchboardBinary, all, input);
}

}  // namespace switchboard::testing
