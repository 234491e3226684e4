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

}  // namespace
}  // namespace switchboard
