// A catalog that cannot be read ends every command with exit status 3 and every problem.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliCatalogErrors, EveryProblemIsPrintedWithFileLineAndColumn) {
  auto catalog = write_temp_file("broken.yaml",
                                 "providers:\n"
                                 "  test: { plugin: mock }\n"
                                 "modles: {}\n"
                                 "models:\n"
                                 "  tiny: { provider: test, flavour: sweet }\n");
  for (const char* command : {"run", "models", "providers", "chat"}) {
    std::vector<std::string> args{command};
    if (std::string(command) == "run") args.push_back("hi");
    auto result = run_cli(catalog, args);
    EXPECT_EQ(result.exit_code, 3) << command << "\n" << result.err;
    EXPECT_EQ(result.out, "") << command;
    // One error line per problem, each with the file, its line and a column.
    EXPECT_THAT(result.err, HasSubstr("switchboard: error: " + catalog.string() + ":3:")) << result.err;
    EXPECT_THAT(result.err, HasSubstr("switchboard: error: " + catalog.string() + ":5:")) << result.err;
    EXPECT_THAT(result.err, HasSubstr("flavour")) << result.err;
  }
}

TEST(CliCatalogErrors, MalformedYamlNamesTheLine) {
  auto catalog = write_temp_file("catalog.yaml",
                                 "providers:\n"
                                 "  test: { plugin: mock\n"
                                 "models: [\n");
  auto result = run_cli(catalog, {"models"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: " + catalog.string() + ":"));
}

TEST(CliCatalogErrors, AMissingCatalogFileIsAConfigError) {
  auto missing = make_temp_dir() / "nowhere.yaml";
  auto result = run_cli(missing, {"models"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: "));
  EXPECT_THAT(result.err, HasSubstr("nowhere.yaml"));
}

}  // namespace
}  // namespace switchboard::testing
