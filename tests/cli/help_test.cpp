// --help and --version: on stdout, exit status 0, for the top level and every command.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/version.hpp>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

using ::testing::HasSubstr;

TEST(CliHelp, TopLevelHelpListsCommandsGlobalOptionsAndExitCodes) {
  for (const char* flag : {"--help", "-h"}) {
    auto result = run_process(kSwitchboardBinary, {flag});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.err, "");
    for (const char* text : {"Usage: switchboard", "providers", "models", "run", "chat", "--catalog FILE",
                             "--log-level LEVEL", "--version", "Exit status:", "130"}) {
      EXPECT_THAT(result.out, HasSubstr(text)) << flag;
    }
  }
}

TEST(CliHelp, EveryCommandHasHelpThatExitsZero) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
      {"providers", {"--json"}},
      {"models", {"--json"}},
      {"run", {"--model NAME", "--max-tokens N", "--temperature T", "--seed S", "--top-p P", "--top-k K",
               "--stop STR", "--system TEXT", "--json", "PROMPT"}},
      {"chat", {"--model NAME", "/reset", "/exit", "Ctrl-C"}},
  };
  for (const auto& [command, expected] : commands) {
    for (const char* flag : {"--help", "-h"}) {
      // Help works without a catalog, even with other options around it.
      auto result = run_process(kSwitchboardBinary, {command, "--catalog", "/nonexistent.yaml", flag});
      EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.err;
      EXPECT_EQ(result.err, "") << command;
      EXPECT_THAT(result.out, HasSubstr("Usage: switchboard " + command)) << command;
      EXPECT_THAT(result.out, HasSubstr("--catalog FILE")) << command;
      EXPECT_THAT(result.out, HasSubstr("Exit status:")) << command;
      for (const auto& text : expected) EXPECT_THAT(result.out, HasSubstr(text)) << command;
    }
  }
}

TEST(CliHelp, VersionPrintsTheFrameworkVersion) {
  auto result = run_process(kSwitchboardBinary, {"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "switchboard " SWITCHBOARD_VERSION "\n");
}

}  // namespace
}  // namespace switchboard::testing
