// The Anthropic Messages dialect against a loopback server.

#include <gtest/gtest.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

std::string event(const std::string& type, json data) {
  data["type"] = type;
  return "event: " + type + "\ndata: " + data.dump();
}

ScriptedResponse text_and_tool_stream() {
  return ScriptedResponse::sse({
      event("message_start", {{"message", {{"id", "msg_1"}, {"type", "message"}, {"role", "assistant"}, {"content", json::array()},
                                           {"model", "test-model"}, {"stop_reason", nullptr},
                                           {"usage", {{"input_tokens", 25}, {"cache_read_input_tokens", 5}, {"output_tokens", 1}}}}}}),
      event("content_block_start", {{"index", 0}, {"content_block", {{"type", "text"}, {"text", ""}}}}),
      event("ping", json::object()),
      event("content_block_delta", {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "Let me "}}}}),
      event("content_block_delta", {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "check."}}}}),
      event("content_block_stop", {{"index", 0}}),
      event("content_block_start", {{"index", 1}, {"content_block", {{"type", "tool_use"}, {"id", "toolu_1"},
                                                                      {"name", "get_weather"}, {"input", json::object()}}}}),
      event("content_block_delta", {{"index", 1}, {"delta", {{"type", "input_json_delta"}, {"partial_json", ""}}}}),
      event("content_block_delta", {{"index", 1}, {"delta", {{"type", "input_json_delta"}, {"partial_json", "{\"city\": "}}}}),
      event("content_block_delta", {{"index", 1}, {"delta", {{"type", "input_json_delta"}, {"partial_json", "\"Oslo\"}"}}}}),
      event("content_block_stop", {{"index", 1}}),
      event("message_delta", {{"delta", {{"stop_reason", "tool_use"}, {"stop_sequence", nullptr}}}, {"usage", {{"output_tokens", 42}}}}),
      event("message_stop", json::object()),
  });
}

TEST(Anthropic, StreamsTextAndToolUseWithUsage) {
  LoopbackServer server([](const ReceivedRequest&) { return text_and_tool_stream(); });
  auto runtime = remote_runtime(server, "anthropic");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Weather in Oslo?"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::tool_calls) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "Let me check.");
  ASSERT_EQ(reply.tool_calls.size(), 1u);
  EXPECT_EQ(reply.tool_calls[0], (ToolCall{"toolu_1", "get_weather", R"({"city": "Oslo"})"}));
  EXPECT_EQ(reply.usage.prompt_tokens, 30);
  EXPECT_EQ(reply.usage.cached_prompt_tokens, 5);
  EXPECT_EQ(reply.usage.completion_tokens, 42);
  const auto deltas = stream.tool_deltas();
  ASSERT_GE(deltas.size(), 3u);
  EXPECT_EQ(deltas[0].index, 0);  // the first tool call, although it is content block 1
  EXPECT_EQ(deltas[0].name, "get_weather");

  const auto received = server.requests().at(0);
  EXPECT_EQ(received.target, "/v1/messages");
  EXPECT_EQ(received.headers.at("x-api-key"), kApiKey);
  EXPECT_EQ(received.headers.at("anthropic-version"), "2023-06-01");
  EXPECT_FALSE(received.headers.contains("authorization"));
}

TEST(Anthropic, MapsTheConversationAndOptions) {
  LoopbackServer server([](const ReceivedRequest&) { return text_and_tool_stream(); });
  auto runtime = remote_runtime(server, "anthropic");
  Request request;
  request.messages = {Message::system("Be brief."), Message::user("Weather?"),
                      Message::assistant("Checking.", {ToolCall{"toolu_1", "get_weather", R"({"city":"Oslo"})"}}),
                      Message::tool("toolu_1", "sunny"), Message::user("Thanks")};
  request.options.temperature = 0.5;
  request.options.top_k = 40;
  request.options.seed = 3;  // Anthropic has no seed: not sent
  request.options.stop = {"END"};
  request.options.tools = {ToolDefinition{"get_weather", "Weather", json::parse(R"({"type":"object"})")}};
  request.options.tool_choice = ToolChoice{ToolChoice::Mode::required, {}};
  RecordedStream stream;
  runtime.model("m")->generate(request, stream.sink());

  const json body = body_of(server.requests().at(0));
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["max_tokens"], 4096);  // required by the API: defaulted
  EXPECT_EQ(body["system"], "Be brief.");
  EXPECT_EQ(body["stream"], true);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.5);
  EXPECT_EQ(body["top_k"], 40);
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_EQ(body["stop_sequences"], json::parse(R"(["END"])"));
  EXPECT_EQ(body["tools"], json::parse(R"([{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}])"));
  EXPECT_EQ(body["tool_choice"], json::parse(R"({"type":"any"})"));
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"user","content":[{"type":"text","text":"Weather?"}]},
      {"role":"assistant","content":[{"type":"text","text":"Checking."},
          {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}]},
      {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny"},
          {"type":"text","text":"Thanks"}]}])"));
}

TEST(Anthropic, WholeReply) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(200, R"({"id":"msg_2","type":"message","role":"assistant","model":"test-model",
      "content":[{"type":"text","text":"Hi there."}],"stop_reason":"max_tokens","stop_sequence":null,
      "usage":{"input_tokens":8,"output_tokens":3}})");
  });
  auto runtime = remote_runtime(server, "anthropic");
  const auto reply = runtime.model("m")->generate(ask("Hi"));
  ASSERT_EQ(reply.finish_reason, FinishReason::length) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "Hi there.");
  EXPECT_EQ(reply.usage.prompt_tokens, 8);
  EXPECT_EQ(reply.usage.completion_tokens, 3);
  EXPECT_FALSE(body_of(server.requests().at(0)).contains("stream"));
}

TEST(Anthropic, AnErrorEventMidStream) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse({
        event("message_start", {{"message", {{"usage", {{"input_tokens", 3}, {"output_tokens", 0}}}}}}),
        event("content_block_delta", {{"index", 0}, {"delta", {{"type", "text_delta"}, {"text", "Hi"}}}}),
        event("error", {{"error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}}),
    });
  });
  auto runtime = remote_runtime(server, "anthropic");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(std::string(reply.error->what()).find("Overloaded"), std::string::npos);
  EXPECT_EQ(reply.text, "Hi");
}

TEST(Anthropic, OverloadedThenSuccess) {
  auto calls = std::make_shared<int>(0);
  LoopbackServer server([calls](const ReceivedRequest&) {
    if ((*calls)++ == 0)
      return ScriptedResponse::json(529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
    return text_and_tool_stream();
  });
  auto runtime = remote_runtime(server, "anthropic", "max_retries: 1");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  EXPECT_EQ(reply.finish_reason, FinishReason::tool_calls) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(Anthropic, ErrorBodiesKeepTheApiMessage) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(400, R"({"type":"error","error":{"type":"invalid_request_error",
      "message":"prompt is too long: 210000 tokens > 200000 maximum"}})");
  });
  auto runtime = remote_runtime(server, "anthropic");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_NE(std::string(reply.error->what()).find("context length exceeded: prompt is too long"), std::string::npos)
      << reply.error->what();
}

TEST(Anthropic, JsonResponseFormatIsRefused) {
  LoopbackServer server([](const ReceivedRequest&) { return text_and_tool_stream(); });
  auto runtime = remote_runtime(server, "anthropic");
  GenerationOptions options;
  options.response_format = ResponseFormat{ResponseFormat::Type::json_object, {}};
  const auto reply = runtime.model("m")->generate(ask("x", options));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_FALSE(runtime.model("m")->info().json_mode);
  EXPECT_EQ(server.request_count(), 0u);
}

}  // namespace
}  // namespace switchboard::remote_test
