// ChatSession over the mock: the history grows each turn and the model sees all of it.

#include <gtest/gtest.h>

#include "mock_fixture.hpp"

namespace switchboard::mock_test {
namespace {

constexpr std::string_view kCatalog = R"(
providers:
  test: { plugin: mock }
models:
  parrot: { provider: test, options: { mode: echo } }
  flaky: { provider: test, options: { mode: echo, fail: { category: unavailable, on_call: 2 } } }
)";

TEST(MockChatSession, EachTurnAppendsTheUserMessageAndTheReply) {
  auto runtime = runtime_for(kCatalog);
  ChatSession chat(runtime.model("parrot"));
  chat.set_system("Repeat after me.");  // 3 tokens

  RecordedStream stream;
  const Completion first = chat.send("hello there", stream.sink());
  EXPECT_EQ(first.text, "hello there");
  EXPECT_EQ(stream.joined_text(), "hello there");
  EXPECT_EQ(first.usage.prompt_tokens, 3 + 2);
  ASSERT_EQ(chat.messages().size(), 3u);
  EXPECT_EQ(chat.messages()[0], Message::system("Repeat after me."));
  EXPECT_EQ(chat.messages()[1], Message::user("hello there"));
  EXPECT_EQ(chat.messages()[2], Message::assistant("hello there"));

  // The mock answers the newest user message, and is sent the whole history.
  const Completion second = chat.send("and again");
  EXPECT_EQ(second.text, "and again");
  EXPECT_EQ(second.usage.prompt_tokens, 3 + 2 + 2 + 2);
  ASSERT_EQ(chat.messages().size(), 5u);
  EXPECT_EQ(chat.messages()[3], Message::user("and again"));
  EXPECT_EQ(chat.messages()[4], Message::assistant("and again"));

  chat.clear();
  ASSERT_EQ(chat.messages().size(), 1u);
  EXPECT_EQ(chat.send("fresh").usage.prompt_tokens, 3 + 1);
}

TEST(MockChatSession, AFailedTurnLeavesTheHistoryAsItWas) {
  auto runtime = runtime_for(kCatalog);
  ChatSession chat(runtime.model("flaky"));
  EXPECT_EQ(chat.send("one").text, "one");
  ASSERT_EQ(chat.messages().size(), 2u);

  const Completion failed = chat.send("two");
  EXPECT_EQ(failed.finish_reason, FinishReason::error);
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->category(), ErrorCategory::unavailable);
  EXPECT_EQ(chat.messages().size(), 2u);

  EXPECT_EQ(chat.send("three").text, "three");
  ASSERT_EQ(chat.messages().size(), 4u);
  EXPECT_EQ(chat.messages()[2], Message::user("three"));
}

}  // namespace
}  // namespace switchboard::mock_test
