// Where the catalog is looked for when the host names none.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::ScopedEnv;

TEST(DefaultPath, EnvironmentVariableWins) {
  ScopedEnv chosen("SWITCHBOARD_CATALOG", "/somewhere/my-catalog.yaml");
  EXPECT_EQ(Catalog::default_path(), std::filesystem::path("/somewhere/my-catalog.yaml"));
}

TEST(DefaultPath, WithoutTheVariableItIsADefaultYamlThatShips) {
  ScopedEnv unset("SWITCHBOARD_CATALOG", std::nullopt);
  const std::filesystem::path path = Catalog::default_path();
  EXPECT_EQ(path.filename(), "default.yaml");
  // Either the built/installed share folder's copy or the source tree's registry/.
  const std::filesystem::path share =
      std::filesystem::path(SWITCHBOARD_BUILD_DIR) / "share/switchboard/default.yaml";
  const std::filesystem::path source =
      std::filesystem::path(SWITCHBOARD_TEST_DATA) / "../registry/default.yaml";
  if (std::filesystem::exists(share)) {
    EXPECT_EQ(std::filesystem::weakly_canonical(path), std::filesystem::weakly_canonical(share));
  } else {
    EXPECT_EQ(std::filesystem::weakly_canonical(path), std::filesystem::weakly_canonical(source));
  }
}

// The catalogs that ship must read cleanly: a mistake there breaks every host's first run.
TEST(ShippedCatalogs, EveryRegistryCatalogIsValid) {
  const std::filesystem::path registry = std::filesystem::path(SWITCHBOARD_TEST_DATA) / "../registry";
  int checked = 0;
  for (const auto& file : std::filesystem::directory_iterator(registry)) {
    if (file.path().extension() != ".yaml") continue;
    SCOPED_TRACE(file.path().string());
    ++checked;
    try {
      const Catalog catalog = Catalog::load(file.path());
      for (const auto& [name, model] : catalog.models()) {
        EXPECT_TRUE(catalog.providers().contains(model.provider)) << name;
      }
    } catch (const Error& error) {
      ADD_FAILURE() << error.what();
    }
  }
  EXPECT_GT(checked, 0);
  ScopedEnv unset("SWITCHBOARD_CATALOG", std::nullopt);
  const Catalog shipped = Catalog::load(Catalog::default_path());
  EXPECT_FALSE(shipped.default_model().empty());
  EXPECT_EQ(shipped.model().name, shipped.default_model());
}

}  // namespace
}  // namespace switchboard
