#include <gtest/gtest.h>

#include <switchboard/chat_session.hpp>

namespace {

using namespace switchboard;

// Answers with the number of messages it was given, or fails when told to.
class CountingModel final : public Model {
 public:
  bool fail_next = false;
  std::vector<Message> last_messages;

  ModelInfo info() const override { return {"counter", "test", 0, true, false, false}; }
  LoadState state() const override { return {LoadState::Phase::ready, 1, std::nullopt}; }
  LoadState prepare(std::stop_token) override { return state(); }
  Completion generate(const Request& request, const ChunkSink& on_chunk, std::stop_token) override {
    last_messages = request.messages;
    Completion completion;
    if (fail_next) {
      completion.finish_reason = FinishReason::error;
      completion.error = Error(ErrorCategory::unavailable, "down");
      return completion;
    }
    completion.text = "saw " + std::to_string(request.messages.size());
    if (on_chunk) on_chunk({completion.text, {}});
    return completion;
  }
};

TEST(ChatSession, KeepsTheConversation) {
  auto model = std::make_shared<CountingModel>();
  ChatSession session(model);
  session.set_system("be brief");
  EXPECT_EQ(session.send("one").text, "saw 2");
  EXPECT_EQ(session.send("two").text, "saw 4");
  ASSERT_EQ(session.messages().size(), 5u);
  EXPECT_EQ(session.messages()[0], Message::system("be brief"));
  EXPECT_EQ(session.messages()[3], Message::user("two"));
  EXPECT_EQ(session.messages()[4], Message::assistant("saw 4"));
  session.set_system("be verbose");
  EXPECT_EQ(session.messages()[0].content, "be verbose");
  EXPECT_EQ(session.messages().size(), 5u);
  session.clear();
  ASSERT_EQ(session.messages().size(), 1u);
  EXPECT_EQ(session.messages()[0].role, Role::system);
}

TEST(ChatSession, AFailedTurnLeavesTheHistoryAsItWas) {
  auto model = std::make_shared<CountingModel>();
  ChatSession session(model);
  session.send("one");
  model->fail_next = true;
  const auto failed = session.send("two");
  EXPECT_EQ(failed.finish_reason, FinishReason::error);
  EXPECT_EQ(session.messages().size(), 2u);
  model->fail_next = false;
  EXPECT_EQ(session.send("three").text, "saw 3");
}

TEST(ChatSession, ToolResultsContinueTheConversation) {
  auto model = std::make_shared<CountingModel>();
  ChatSession session(model);
  session.send("weather?");
  session.send_tool_result("call_1", "18C");
  ASSERT_EQ(model->last_messages.size(), 3u);
  EXPECT_EQ(model->last_messages[2].role, Role::tool);
  EXPECT_EQ(model->last_messages[2].tool_call_id, "call_1");
}

TEST(ChatSession, RefusesNoModel) { EXPECT_THROW(ChatSession(nullptr), Error); }

}  // namespace
