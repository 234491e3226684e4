// `switchboard run` against the mock plugin, through the real binary.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CliRun, StreamsTheScriptedReplyToStdout) {
  auto result = run_cli(standard_catalog(), {"run", "hi"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\n");
  EXPECT_EQ(result.err, "");
}

TEST(CliRun, JoinsSeveralPromptWordsWithSpaces) {
  auto result = run_cli(standard_catalog(), {"run", "--model", "parrot", "one", "two  three"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "one two  three\n");
}

TEST(CliRun, ReadsThePromptFromStdinForADash) {
  auto result = run_cli(standard_catalog(), {"run", "--model=parrot", "-"}, "from a pipe\nsecond line\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "from a pipe\nsecond line\n");
}

TEST(CliRun, DoubleDashEndsTheOptions) {
  auto result = run_cli(standard_catalog(), {"run", "--model", "parrot", "--", "--json", "-x"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "--json -x\n");
}

TEST(CliRun, AnAliasAndTheDefaultModelBothWork) {
  EXPECT_EQ(run_cli(standard_catalog(), {"run", "--model", "small", "hi"}).out, "Hello there\n");
  EXPECT_EQ(run_cli(standard_catalog(), {"run", "something else"}).out, "I am a mock.\n");
}

TEST(CliRun, JsonPrintsOneObjectWithTheCompletion) {
  auto result = run_cli(standard_catalog(), {"run", "--json", "--model", "small", "hi"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto reply = nlohmann::json::parse(result.out);
  EXPECT_EQ(reply["text"], "Hello there");
  EXPECT_EQ(reply["finish_reason"], "stop");
  EXPECT_EQ(reply["model"], "tiny");  // the name the alias stands for
  // The mock counts a token as whitespace followed by non-whitespace: "Hello", " there".
  EXPECT_EQ(reply["usage"]["completion_tokens"], 2);
  EXPECT_EQ(reply["usage"]["prompt_tokens"].get<int>(), 1);
  EXPECT_TRUE(reply["timings"].is_object());
  EXPECT_TRUE(reply["timings"].contains("total_ms"));
}

TEST(CliRun, TheSystemMessageIsSentBeforeThePrompt) {
  // The mock counts the tokens of every message: 3 of the system message, 1 of "hi".
  auto result = run_cli(standard_catalog(), {"run", "--json", "--system", "be very brief", "hi"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto reply = nlohmann::json::parse(result.out);
  EXPECT_EQ(reply["usage"]["prompt_tokens"], 4);
  EXPECT_EQ(reply["text"], "Hello there");
}

TEST(CliRun, MaxTokensEndsWithFinishReasonLength) {
  auto result = run_cli(standard_catalog(),
                        {"run", "--json", "--max-tokens", "2", "--model", "parrot", "one two three four"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto reply = nlohmann::json::parse(result.out);
  EXPECT_EQ(reply["finish_reason"], "length");
  EXPECT_EQ(reply["text"], "one two");
  EXPECT_EQ(reply["usage"]["completion_tokens"], 2);
}

TEST(CliRun, StopStringsEndTheReplyBeforeThem) {
  auto result = run_cli(standard_catalog(), {"run", "--model", "parrot", "--stop", "three", "--stop=nothing",
                                             "one two three four"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "one two \n");
}

TEST(CliRun, UnknownModelExitsFourWithADidYouMean) {
  auto result = run_cli(standard_catalog(), {"run", "--model", "tinny", "hi"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: "));
  EXPECT_THAT(result.err, HasSubstr("tinny"));
  EXPECT_THAT(result.err, HasSubstr("did you mean"));
  EXPECT_THAT(result.err, HasSubstr("tiny"));
}

TEST(CliRun, AProviderThatCannotStartExitsFour) {
  auto catalog = mock_catalog(
      "  broken: { plugin: no-such-plugin }\n"
      "models:\n"
      "  lost: { provider: broken }\n"
      "  tiny: { provider: test }\n"
      "default: tiny\n");
  auto result = run_cli(catalog, {"run", "--model", "lost", "hi"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: "));
  EXPECT_THAT(result.err, HasSubstr("no-such-plugin"));
}

TEST(CliRun, AFailedGenerationExitsOneAndKeepsTheTextSoFar) {
  auto catalog = mock_catalog(
      "models:\n"
      "  flaky:\n"
      "    provider: test\n"
      "    options:\n"
      "      default_reply: \"one two three\"\n"
      "      fail: { category: unavailable, message: \"backend went away\", after_tokens: 1 }\n");
  auto result = run_cli(catalog, {"run", "--model", "flaky", "hello"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "one\n");
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: generation failed: unavailable: "));
  EXPECT_THAT(result.err, HasSubstr("backend went away"));

  auto as_json = run_cli(catalog, {"run", "--json", "--model", "flaky", "hello"});
  EXPECT_EQ(as_json.exit_code, 1);
  auto reply = nlohmann::json::parse(as_json.out);
  EXPECT_EQ(reply["finish_reason"], "error");
  EXPECT_EQ(reply["text"], "one");
}

TEST(CliRun, BadFlagsAreUsageErrorsNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"run", "--bogus", "hi"}, "unknown option '--bogus'"},
      {{"run", "--max-token", "3", "hi"}, "did you mean '--max-tokens'?"},
      {{"run", "--max-tokens", "many", "hi"}, "'--max-tokens' expects an integer of at least 1, got 'many'"},
      {{"run", "--max-tokens", "0", "hi"}, "'--max-tokens' expects an integer of at least 1, got '0'"},
      {{"run", "--temperature", "-1", "hi"}, "'--temperature' expects a number of at least 0, got '-1'"},
      {{"run", "--top-p", "1.5", "hi"}, "'--top-p' expects a number from 0 to 1, got '1.5'"},
      {{"run", "--seed", "x1", "hi"}, "'--seed' expects a non-negative integer, got 'x1'"},
      {{"run", "hi", "--model"}, "'--model' expects a value (NAME)"},
      {{"run", "--json=yes", "hi"}, "'--json' takes no value"},
      {{"run", "--model", "a", "--model", "b", "hi"}, "'--model' was given more than once"},
      {{"run"}, "missing PROMPT"},
      {{"bogus"}, "unknown command 'bogus'"},
      {{}, "missing COMMAND"},
      {{"models", "extra"}, "takes no arguments"},
      {{"run", "--log-level", "loud", "hi"}, "'--log-level' expects one of"},
  };
  for (const auto& test_case : cases) {
    auto result = run_process(kSwitchboardBinary, test_case.args);
    EXPECT_EQ(result.exit_code, 2) << ::testing::PrintToString(test_case.args) << "\n" << result.err;
    EXPECT_THAT(result.err, HasSubstr("switchboard: error: ")) << ::testing::PrintToString(test_case.args);
    EXPECT_THAT(result.err, HasSubstr(test_case.expected)) << ::testing::PrintToString(test_case.args);
    EXPECT_EQ(result.out, "") << ::testing::PrintToString(test_case.args);
  }
}

TEST(CliRun, GlobalOptionsMayComeBeforeTheCommand) {
  auto catalog = standard_catalog();
  auto result = run_process(kSwitchboardBinary, {"--catalog=" + catalog.string(), "--log-level", "error", "run", "hi"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\n");
}

TEST(CliRun, TheCatalogComesFromTheEnvironmentWhenNotGiven) {
  auto catalog = standard_catalog();
  auto result = run_process(kSwitchboardBinary, {"run", "hi"}, {}, {{"SWITCHBOARD_CATALOG", catalog.string()}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\n");
}

TEST(CliRun, DebugLoggingGoesToStderrOnly) {
  auto result = run_cli(standard_catalog(), {"run", "--log-level", "trace", "hi"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\n");
}

}  // namespace
}  // namespace switchboard::testing
