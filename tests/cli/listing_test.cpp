// `switchboard providers` and `switchboard models`.

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// A catalog with a provider that cannot start and a plugin folder holding a file that is
// not a plugin, so that every section of the listings has something in it.
std::filesystem::path catalog_with_junk_plugin(std::filesystem::path& junk_file) {
  auto junk_dir = make_temp_dir();
  junk_file = junk_dir / "not_a_plugin.so";
  std::ofstream(junk_file) << "this is not an ELF file";
  return write_temp_file("catalog.yaml",
                         "plugin_paths: [\"" + kPluginDir + "\", \"" + junk_dir.string() + "\"]\n"
                         "providers:\n"
                         "  test: { plugin: mock }\n"
                         "  broken: { plugin: no-such-plugin }\n"
                         "models:\n"
                         "  tiny: { provider: test, aliases: [small, wee] }\n"
                         "  lost: { provider: broken, remote_name: gpt-nothing }\n"
                         "default: tiny\n");
}

TEST(CliProviders, ListsPluginsProviderInstancesAndLoadFailures) {
  std::filesystem::path junk_file;
  auto result = run_cli(catalog_with_junk_plugin(junk_file), {"providers"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& out = result.out;
  // Sections in order.
  auto plugins = out.find("Plugins:");
  auto providers = out.find("Providers:");
  auto failures = out.find("Plugin load failures:");
  ASSERT_NE(plugins, std::string::npos) << out;
  ASSERT_NE(providers, std::string::npos) << out;
  ASSERT_NE(failures, std::string::npos) << out;
  EXPECT_LT(plugins, providers);
  EXPECT_LT(providers, failures);

  std::string plugin_section = out.substr(plugins, providers - plugins);
  EXPECT_THAT(plugin_section, HasSubstr("mock"));
  EXPECT_THAT(plugin_section, HasSubstr(kPluginDir));

  std::string provider_section = out.substr(providers, failures - providers);
  EXPECT_THAT(provider_section, MatchesRegex("(.|\n)*test +mock +started(.|\n)*"));
  EXPECT_THAT(provider_section, MatchesRegex("(.|\n)*broken +no-such-plugin +error: not_found: (.|\n)*"));

  std::string failure_section = out.substr(failures);
  EXPECT_THAT(failure_section, HasSubstr(junk_file.string()));
}

TEST(CliProviders, JsonHasEveryPart) {
  std::filesystem::path junk_file;
  auto result = run_cli(catalog_with_junk_plugin(junk_file), {"providers", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto listing = nlohmann::json::parse(result.out);

  bool found_mock = false;
  for (const auto& plugin : listing["plugins"]) {
    if (plugin["name"] != "mock") continue;
    found_mock = true;
    EXPECT_FALSE(plugin["version"].get<std::string>().empty());
    EXPECT_EQ(std::filesystem::path(plugin["file"].get<std::string>()).parent_path(), std::filesystem::path(kPluginDir));
  }
  EXPECT_TRUE(found_mock) << result.out;

  ASSERT_EQ(listing["providers"].size(), 2u) << result.out;
  for (const auto& provider : listing["providers"]) {
    if (provider["name"] == "test") {
      EXPECT_EQ(provider["plugin"], "mock");
      EXPECT_EQ(provider["started"], true);
      EXPECT_FALSE(provider.contains("error"));
    } else {
      EXPECT_EQ(provider["name"], "broken");
      EXPECT_EQ(provider["started"], false);
      EXPECT_EQ(provider["error"]["category"], "not_found");
    }
  }

  ASSERT_EQ(listing["failures"].size(), 1u) << result.out;
  EXPECT_EQ(listing["failures"][0]["file"], junk_file.string());
  EXPECT_FALSE(listing["failures"][0]["reason"].get<std::string>().empty());
}

TEST(CliModels, ListsEntriesWithTheDefaultMarkedAndTheirState) {
  std::filesystem::path junk_file;
  auto result = run_cli(catalog_with_junk_plugin(junk_file), {"models"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, MatchesRegex("(.|\n)*\n\\* +tiny +test +- +small, wee +pending\n(.|\n)*"));
  EXPECT_THAT(result.out, MatchesRegex("(.|\n)*\n +lost +broken +remote_name: gpt-nothing +- +unavailable: (.|\n)*"));
  EXPECT_THAT(result.out, HasSubstr("(* marks the default model)"));
}

TEST(CliModels, JsonHasEveryField) {
  std::filesystem::path junk_file;
  auto result = run_cli(catalog_with_junk_plugin(junk_file), {"models", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto listing = nlohmann::json::parse(result.out);
  EXPECT_EQ(listing["default"], "tiny");
  ASSERT_EQ(listing["models"].size(), 2u);
  // The catalog's models come sorted by name.
  const auto& lost = listing["models"][0];
  const auto& tiny = listing["models"][1];
  EXPECT_EQ(lost["name"], "lost");
  EXPECT_EQ(lost["provider"], "broken");
  EXPECT_EQ(lost["remote_name"], "gpt-nothing");
  EXPECT_EQ(lost["default"], false);
  EXPECT_EQ(lost["state"]["phase"], "unavailable");
  EXPECT_EQ(lost["state"]["error"]["category"], "not_found");

  EXPECT_EQ(tiny["name"], "tiny");
  EXPECT_EQ(tiny["provider"], "test");
  EXPECT_EQ(tiny["aliases"], nlohmann::json({"small", "wee"}));
  EXPECT_EQ(tiny["default"], true);
  EXPECT_EQ(tiny["state"]["phase"], "pending");  // listing opens the model but loads nothing
  EXPECT_FALSE(tiny.contains("path"));
}

TEST(CliModels, ShowsLocalPathsAndHubSources) {
  auto model_dir = make_temp_dir();
  auto catalog = mock_catalog(
      "models:\n"
      "  local: { provider: test, path: \"" + model_dir.string() + "\" }\n"
      "  hub: { provider: test, source: \"hf:org/repo\" }\n"
      "default: local\n");
  auto result = run_cli(catalog, {"models"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("path: " + model_dir.string()));
  EXPECT_THAT(result.out, HasSubstr("source: hf:org/repo"));
}

}  // namespace
}  // namespace switchboard::testing
