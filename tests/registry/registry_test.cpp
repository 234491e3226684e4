#include <dlfcn.h>

#include <cstdlib>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/registry.hpp>

namespace {

using namespace switchboard;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const fs::path kPlugins = SWITCHBOARD_TEST_PLUGIN_DIR;

ProviderEntry echo_entry(nlohmann::json options = nlohmann::json::object()) {
  ProviderEntry entry;
  entry.name = "talker";
  entry.plugin = "echo";
  entry.options = std::move(options);
  entry.where = {"catalog.yaml", 3, 5};
  return entry;
}

ModelEntry model_entry(const std::string& name) {
  ModelEntry entry;
  entry.name = name;
  entry.provider = "talker";
  return entry;
}

std::string only_failure(const Registry& registry) {
  const auto failures = registry.failures();
  EXPECT_EQ(failures.size(), 1u);
  return failures.empty() ? "" : failures.front().file.filename().string() + ": " + failures.front().reason;
}

TEST(Registry, LoadsAGoodPluginAndReportsItsDescriptor) {
  Registry registry;
  registry.scan({kPlugins / "good"});
  const auto plugins = registry.plugins();
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0].name, "echo");
  EXPECT_EQ(plugins[0].version, "1.0.0");
  EXPECT_EQ(plugins[0].file, fs::canonical(kPlugins / "good" / "echo.so"));
  EXPECT_THAT(plugins[0].abi_tag, HasSubstr("switchboard-"));
  EXPECT_TRUE(registry.failures().empty());
  EXPECT_TRUE(registry.has("echo"));
}

TEST(Registry, RefusesAnotherAbiVersionAndGoesOnWithTheRest) {
  Registry registry;
  registry.scan({kPlugins / "wrong_abi_version", kPlugins / "good"});
  EXPECT_THAT(only_failure(registry), HasSubstr("wrong_abi_version.so: plugin ABI version 999, framework expects 1"));
  EXPECT_TRUE(registry.has("echo"));
  EXPECT_FALSE(registry.has("future"));
}

TEST(Registry, RefusesAnotherCompilerOrFrameworkVersionNamingWhatDiffers) {
  Registry registry;
  registry.scan({kPlugins / "wrong_abi_tag"});
  const auto reason = only_failure(registry);
  EXPECT_THAT(reason, HasSubstr("compiler gcc-4 (framework has gcc-"));
  EXPECT_THAT(reason, HasSubstr("framework version switchboard-99.0"));
  EXPECT_THAT(reason, ::testing::Not(HasSubstr("standard library")));
  EXPECT_TRUE(registry.plugins().empty());
}

TEST(Registry, RefusesALibraryWithoutDescriptor) {
  Registry registry;
  EXPECT_FALSE(registry.load(kPlugins / "no_descriptor" / "no_descriptor.so"));
  EXPECT_THAT(only_failure(registry), HasSubstr("no_descriptor.so: not a switchboard plugin: it exports no 'switchboard_plugin' symbol"));
}

TEST(Registry, RefusesAFileThatIsNotALibrary) {
  const fs::path folder = fs::temp_directory_path() / ("sb-registry-" + std::to_string(::getpid()));
  fs::create_directories(folder);
  std::ofstream(folder / "junk.so") << "this is not an ELF file\n";
  Registry registry;
  registry.scan({folder, kPlugins / "good"});
  EXPECT_THAT(only_failure(registry), HasSubstr("junk.so: cannot be loaded"));
  EXPECT_TRUE(registry.has("echo"));
  fs::remove_all(folder);
}

TEST(Registry, RefusesADuplicateNameKeepingTheFirst) {
  Registry registry;
  registry.scan({kPlugins / "duplicate"});
  ASSERT_EQ(registry.plugins().size(), 1u);
  EXPECT_EQ(registry.plugins()[0].file.filename(), "echo_first.so");
  EXPECT_THAT(only_failure(registry), HasSubstr("echo_second.so: duplicate plugin name 'echo': already loaded from"));
}

TEST(Registry, SkipsFoldersThatDoNotExist) {
  Registry registry;
  registry.scan({kPlugins / "no-such-folder", kPlugins / "good"});
  EXPECT_TRUE(registry.failures().empty());
  EXPECT_TRUE(registry.has("echo"));
}

TEST(Registry, SearchPathPutsCatalogFoldersFirstThenEnvironmentThenInstallPrefix) {
  ::setenv("SWITCHBOARD_PLUGIN_PATH", "/opt/a::relative/dir:/opt/b", 1);
  const auto path = Registry::search_path({"/catalog/plugins"});
  ::unsetenv("SWITCHBOARD_PLUGIN_PATH");
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0], "/catalog/plugins");
  EXPECT_EQ(path[1], "/opt/a");
  EXPECT_EQ(path[2], "/opt/b");
  EXPECT_EQ(path[3].filename(), "plugins");
  EXPECT_EQ(path[3].parent_path().filename(), "switchboard");
  for (const auto& folder : path) EXPECT_TRUE(folder.is_absolute()) << folder;
}

TEST(Registry, CreateNamesTheEntryWhenThePluginIsMissing) {
  Registry registry;
  registry.scan({kPlugins / "wrong_abi_version"});
  auto entry = echo_entry();
  try {
    registry.create(entry);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_THAT(error.what(), HasSubstr("catalog.yaml:3:5: provider 'talker': no plugin named 'echo' is loaded"));
    EXPECT_THAT(error.what(), HasSubstr("wrong_abi_version.so: plugin ABI version 999"));
  }
}

TEST(Registry, FactoryErrorsKeepTheirCategoryAndNameTheProvider) {
  Registry registry;
  registry.scan({kPlugins / "good"});
  try {
    registry.create(echo_entry({{"bogus", 1}}));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    EXPECT_THAT(error.what(), HasSubstr("provider 'talker' (plugin 'echo' from "));
    EXPECT_THAT(error.what(), HasSubstr("unknown option 'bogus'"));
  }
}

bool library_is_mapped(const fs::path& file) {
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!handle) return false;
  ::dlclose(handle);
  return true;
}

TEST(Registry, LibraryStaysLoadedWhileAnythingItMadeIsAlive) {
  const fs::path file = fs::canonical(kPlugins / "good" / "echo.so");
  std::shared_ptr<Model> model;
  {
    auto registry = std::make_unique<Registry>();
    registry->load(file);
    auto provider = registry->create(echo_entry({{"prefix", "you said: "}}));
    model = provider->open(model_entry("parrot"));
    registry.reset();
    provider.reset();
  }
  ASSERT_TRUE(library_is_mapped(file));
  Request request;
  request.messages = {Message::user("hello there")};
  EXPECT_EQ(model->generate(request).text, "you said: hello there");
  model.reset();
  EXPECT_FALSE(library_is_mapped(file));
}

}  // namespace
