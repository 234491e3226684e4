// `switchboard chat` through pipes, and Ctrl-C (SIGINT) in `chat` and `run`.

#include <signal.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// `slow` answers "hi" with "Hello there" and anything else with "tick" two thousand times,
// one token every 20 ms: far longer than any test waits, so a reply that ends early does so
// because it was cancelled.
std::filesystem::path slow_catalog() {
  std::string ticks;
  for (int i = 0; i < 2000; ++i) ticks += " tick";
  return mock_catalog(
      "models:\n"
      "  slow:\n"
      "    provider: test\n"
      "    options:\n"
      "      replies: [{match: \"hi\", reply: \"Hello there\"}]\n"
      "      default_reply: \"" + ticks + "\"\n"
      "      token_delay_ms: 20\n"
      "default: slow\n");
}

TEST(CliChat, AnswersEachLineWithoutAPromptWhenStdinIsAPipe) {
  auto result = run_cli(standard_catalog(), {"chat"}, "hi\nhow are you?\n\nhi\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\nI am a mock.\nHello there\n");
  EXPECT_EQ(result.err, "");
}

TEST(CliChat, KeepsTheConversationUntilReset) {
  // The mock fails a prompt of `context` tokens or more. Its prompt is the whole
  // conversation: 3 tokens on the first turn, 3 + 3 (the echoed reply) + 3 on the second.
  auto catalog = mock_catalog(
      "models:\n"
      "  parrot: { provider: test, context: 8, options: { mode: echo } }\n");
  auto result = run_cli(catalog, {"chat", "--model", "parrot"},
                        "one two three\nfour five six\n/reset\nfour five six\n/exit\nnever read\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // The failed turn is left out of the history: after it, /reset has one exchange to forget.
  EXPECT_EQ(result.out, "one two three\nfour five six\n");
  EXPECT_THAT(result.err, HasSubstr("switchboard: error: generation failed: invalid_request: "));
  EXPECT_THAT(result.err, HasSubstr("the prompt has 9 tokens"));
  EXPECT_THAT(result.err, HasSubstr("(conversation cleared)"));
  EXPECT_THAT(result.out, Not(HasSubstr("never read")));
}

TEST(CliChat, UnknownSlashCommandsAreExplainedNotSent) {
  auto result = run_cli(standard_catalog(), {"chat", "--model", "parrot"}, "/help\nplain\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "plain\n");
  EXPECT_THAT(result.err, HasSubstr("unknown chat command '/help'"));
}

TEST(CliChat, AnUnknownModelExitsFourBeforeReadingInput) {
  auto result = run_cli(standard_catalog(), {"chat", "--model", "nope"}, "hi\n");
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(result.out, "");
}

TEST(CliChat, CtrlCCancelsTheReplyInProgressAndTheChatGoesOn) {
  ChildProcess chat(kSwitchboardBinary, {"--catalog", slow_catalog().string(), "chat"});
  chat.write_stdin("tell me something long\n");
  ASSERT_TRUE(chat.wait_for_stdout("tick tick")) << chat.err();
  chat.send_signal(SIGINT);
  ASSERT_TRUE(chat.wait_for_stderr("[reply cancelled]")) << chat.err();

  std::size_t after_cancel = chat.out().size();
  chat.write_stdin("hi\n");
  ASSERT_TRUE(chat.wait_for_stdout("Hello there\n", after_cancel)) << chat.out() << chat.err();
  auto result = chat.finish();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // The cancelled reply's line was ended, and the next reply came on a line of its own.
  EXPECT_EQ(result.out.substr(after_cancel - 1), "\nHello there\n");
}

TEST(CliChat, CtrlCWithNoReplyRunningPrintsAHintAndKeepsGoing) {
  ChildProcess chat(kSwitchboardBinary, {"--catalog", slow_catalog().string(), "chat"});
  chat.write_stdin("hi\n");
  // The reply's closing newline is written after the reply is over: the chat now waits.
  ASSERT_TRUE(chat.wait_for_stdout("Hello there\n")) << chat.err();
  chat.send_signal(SIGINT);
  ASSERT_TRUE(chat.wait_for_stderr("/exit")) << chat.err();
  chat.write_stdin("hi\n");
  auto result = chat.finish();
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "Hello there\nHello there\n");
  EXPECT_THAT(result.err, HasSubstr("Ctrl-D"));
}

TEST(CliRunInterrupt, CtrlCCancelsTheReplyAndExits130) {
  ChildProcess run(kSwitchboardBinary, {"--catalog", slow_catalog().string(), "run", "go on"});
  ASSERT_TRUE(run.wait_for_stdout("tick tick")) << run.err();
  run.send_signal(SIGINT);
  auto result = run.finish();
  EXPECT_EQ(result.exit_code, 130) << result.err;
  EXPECT_THAT(result.err, HasSubstr("interrupted"));
  EXPECT_EQ(result.out.back(), '\n');
}

}  // namespace
}  // namespace switchboard::testing

namespace switchboard::testing {
namespace {

TEST(CliChat, StatsShowTheSecondTurnReusingTheFirstTurnsTokens) {
  const auto catalog = write_temp_file("local.yaml", std::string("plugin_paths: [\"") + kPluginDir + "\"]\n" +
                                                         "providers:\n  cpu: { plugin: local, threads: 1 }\n"
                                                         "models:\n  tiny: { provider: cpu, path: \"" SWITCHBOARD_TEST_DATA
                                                         "/fixtures/models/qwen2\", context: 256, defaults: { max_tokens: 4, temperature: 0 } }\n");
  const auto result = run_cli(catalog, {"chat", "--stats"}, "What is the capital of France?\nAnd of Japan?\n");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto first = result.err.find("[");
  const auto second = result.err.find("[", first + 1);
  ASSERT_NE(second, std::string::npos) << result.err;
  EXPECT_NE(result.err.find(" 0 reused;"), std::string::npos) << result.err;
  // The second turn's prompt starts with the whole first exchange, which is in the cache.
  const std::string second_line = result.err.substr(second);
  EXPECT_EQ(second_line.find(" 0 reused;"), std::string::npos) << result.err;
  EXPECT_NE(second_line.find(" reused; 4 tokens at "), std::string::npos) << result.err;
}

}  // namespace
}  // namespace switchboard::testing
