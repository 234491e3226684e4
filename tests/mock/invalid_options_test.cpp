// Mistakes in the mock's options are Error(config) naming the model (or provider) and the key.

#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

struct BadOptions {
  std::string options;         // a model's options, as YAML flow
  std::string expected_key;    // the key the message must name
  std::string expected_words;  // and something it says about it
};

class MockInvalidModelOptions : public ::testing::TestWithParam<BadOptions> {};

TEST_P(MockInvalidModelOptions, OpeningTheModelThrowsConfigNamingTheModelAndKey) {
  const BadOptions& bad = GetParam();
  auto runtime = runtime_for(
      "providers:\n  test: { plugin: mock }\n"
      "models:\n  good: { provider: test }\n  wrong: { provider: test, options: " + bad.options + " }\n");
  try {
    runtime.model("wrong");
    FAIL() << "no error for options " << bad.options;
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    EXPECT_THAT(error.what(), AllOf(HasSubstr("'wrong'"), HasSubstr(bad.expected_key), HasSubstr(bad.expected_words)));
  }
  // The other models of the provider are unaffected.
  EXPECT_EQ(runtime.model("good")->generate(ask("hi")).finish_reason, FinishReason::stop);
}

INSTANTIATE_TEST_SUITE_P(
    EachMistake, MockInvalidModelOptions,
    ::testing::Values(
        BadOptions{"{ colour: blue }", "options.colour", "unknown key"},
        BadOptions{"{ token_delay_ms: fast }", "options.token_delay_ms", "milliseconds"},
        BadOptions{"{ token_delay_ms: -1 }", "options.token_delay_ms", ">= 0"},
        BadOptions{"{ token_delay_ms: 1e300 }", "options.token_delay_ms", "a day"},
        BadOptions{"{ load_delay_ms: [1] }", "options.load_delay_ms", "milliseconds"},
        BadOptions{"{ loop: \"yes\" }", "options.loop", "true or false"},
        BadOptions{"{ mode: parrot }", "options.mode", "'script' or 'echo'"},
        BadOptions{"{ mode: echo, default_reply: hi }", "options.default_reply", "echo"},
        BadOptions{"{ default_reply: [a, b] }", "options.default_reply", "a string"},
        BadOptions{"{ replies: { match: a, reply: b } }", "options.replies", "a list"},
        BadOptions{"{ replies: [ { match: a, pattern: b, reply: c } ] }", "options.replies[0]", "exactly one of"},
        BadOptions{"{ replies: [ { reply: c } ] }", "options.replies[0]", "exactly one of"},
        BadOptions{"{ replies: [ { match: a } ] }", "options.replies[0]", "'reply', 'tool_calls'"},
        BadOptions{"{ replies: [ { match: a, reply: b }, { pattern: \"(unclosed\", reply: c } ] }",
                   "options.replies[1].pattern", "regular expression"},
        BadOptions{"{ replies: [ { match: a, reply: b, weight: 2 } ] }", "options.replies[0].weight", "unknown key"},
        BadOptions{"{ replies: [ { match: a, tool_calls: [ { arguments: {} } ] } ] }", "options.replies[0].tool_calls[0]",
                   "'name'"},
        BadOptions{"{ replies: [ { match: a, tool_calls: [ { name: f, arguments: \"{}\" } ] } ] }",
                   "options.replies[0].tool_calls[0].arguments", "mapping"},
        BadOptions{"{ replies: [ { match: a, tool_calls: [] } ] }", "options.replies[0].tool_calls", "non-empty list"},
        BadOptions{"{ fail: { category: meltdown } }", "options.fail.category", "unknown error category 'meltdown'"},
        BadOptions{"{ fail: { message: oops } }", "options.fail", "missing 'category'"},
        BadOptions{"{ fail: { category: internal, after_tokens: -2 } }", "options.fail.after_tokens", "integer >= 0"},
        BadOptions{"{ fail: { category: internal, on_call: 0 } }", "options.fail.on_call", "integer >= 1"},
        BadOptions{"{ fail: { category: internal, on_call: 1.5 } }", "options.fail.on_call", "integer >= 1"},
        BadOptions{"{ fail: internal }", "options.fail", "mapping"},
        BadOptions{"{ fail_load: { category: auth, retry: true } }", "options.fail_load.retry", "unknown key"},
        BadOptions{"{ fail_load: { category: nope } }", "options.fail_load.category", "unknown error category"}));

TEST(MockInvalidProviderOptions, TheProviderDoesNotStartAndTheErrorNamesTheKey) {
  auto runtime = runtime_for(R"(
providers:
  broken: { plugin: mock, token_delay_ms: soon }
  fine: { plugin: mock }
models:
  a: { provider: broken }
  b: { provider: fine }
)");
  try {
    runtime.model("a");
    FAIL() << "no error for the provider's options";
  } catch (const Error& error) {
    EXPECT_TRUE(error.category() == ErrorCategory::config || error.category() == ErrorCategory::plugin)
        << to_string(error.category());
    EXPECT_THAT(error.what(), AllOf(HasSubstr("broken"), HasSubstr("options.token_delay_ms")));
  }
  EXPECT_EQ(runtime.model("b")->generate(ask("hi")).finish_reason, FinishReason::stop);
}

}  // namespace
}  // namespace switchboard::mock_test
