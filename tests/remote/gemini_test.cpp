// The Gemini dialect against a loopback server.

#include <gtest/gtest.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

std::string piece(json parts, const char* finish = nullptr, json usage = nullptr) {
  json candidate = {{"content", {{"role", "model"}, {"parts", std::move(parts)}}}, {"index", 0}};
  if (finish) candidate["finishReason"] = finish;
  json response = {{"candidates", json::array({candidate})}, {"modelVersion", "test-model"}};
  if (!usage.is_null()) response["usageMetadata"] = usage;
  return response.dump();
}

ScriptedResponse weather_stream() {
  return ScriptedResponse::sse_data({
      piece(json::array({{{"text", "It is "}}})),
      piece(json::array({{{"text", "sunny."}}, {{"functionCall", {{"name", "log_answer"}, {"args", {{"ok", true}}}}}}}), "STOP",
            {{"promptTokenCount", 11}, {"candidatesTokenCount", 4}, {"totalTokenCount", 15}, {"cachedContentTokenCount", 2}}),
  });
}

TEST(Gemini, StreamsTextFunctionCallsAndUsage) {
  LoopbackServer server([](const ReceivedRequest&) { return weather_stream(); });
  auto runtime = remote_runtime(server, "gemini");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Weather?"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::tool_calls) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "It is sunny.");
  ASSERT_EQ(reply.tool_calls.size(), 1u);
  EXPECT_EQ(reply.tool_calls[0].name, "log_answer");
  EXPECT_EQ(json::parse(reply.tool_calls[0].arguments), (json{{"ok", true}}));
  EXPECT_FALSE(reply.tool_calls[0].id.empty());
  EXPECT_EQ(reply.usage.prompt_tokens, 11);
  EXPECT_EQ(reply.usage.completion_tokens, 4);
  EXPECT_EQ(reply.usage.cached_prompt_tokens, 2);

  const auto received = server.requests().at(0);
  EXPECT_EQ(received.target, "/v1/models/test-model:streamGenerateContent?alt=sse");
  EXPECT_EQ(received.target.find(kApiKey), std::string::npos);  // never in the URL
  EXPECT_EQ(received.headers.at("x-goog-api-key"), kApiKey);
}

TEST(Gemini, MapsTheConversationAndOptions) {
  LoopbackServer server([](const ReceivedRequest&) { return weather_stream(); });
  auto runtime = remote_runtime(server, "gemini");
  Request request;
  request.messages = {Message::system("Be brief."), Message::user("Weather?"),
                      Message::assistant("", {ToolCall{"call_0", "get_weather", R"({"city":"Oslo"})"}}),
                      Message::tool("call_0", R"({"sky":"clear"})")};
  auto& options = request.options;
  options.max_tokens = 100;
  options.temperature = 0.5;
  options.top_p = 0.9;
  options.top_k = 20;
  options.seed = 5;
  options.stop = {"END"};
  options.tools = {ToolDefinition{"get_weather", "Weather", json::parse(R"({"type":"object"})")}};
  options.tool_choice = ToolChoice{ToolChoice::Mode::function, "get_weather"};
  options.response_format = ResponseFormat{ResponseFormat::Type::json_schema, json::parse(R"({"type":"object"})")};
  RecordedStream stream;
  runtime.model("m")->generate(request, stream.sink());

  const json body = body_of(server.requests().at(0));
  EXPECT_EQ(body["systemInstruction"], json::parse(R"({"parts":[{"text":"Be brief."}]})"));
  EXPECT_EQ(body["contents"], json::parse(R"([
      {"role":"user","parts":[{"text":"Weather?"}]},
      {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Oslo"}}}]},
      {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"sky":"clear"}}}]}])"));
  EXPECT_EQ(body["generationConfig"], json::parse(R"({"maxOutputTokens":100,"temperature":0.5,"topP":0.9,"topK":20,
      "seed":5,"stopSequences":["END"],"responseMimeType":"application/json","responseJsonSchema":{"type":"object"}})"));
  EXPECT_EQ(body["tools"], json::parse(R"([{"functionDeclarations":[{"name":"get_weather","description":"Weather",
      "parameters":{"type":"object"}}]}])"));
  EXPECT_EQ(body["toolConfig"], json::parse(R"({"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}})"));
}

TEST(Gemini, WholeReply) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(200, piece(json::array({{{"text", "Whole."}}}), "MAX_TOKENS",
                                             {{"promptTokenCount", 3}, {"candidatesTokenCount", 1}}));
  });
  auto runtime = remote_runtime(server, "gemini");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::length) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "Whole.");
  EXPECT_EQ(server.requests().at(0).target, "/v1/models/test-model:generateContent");
}

TEST(Gemini, ErrorStatusesKeepTheApiMessage) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(403, R"({"error":{"code":403,"message":"Method doesn't allow unregistered callers.",
      "status":"PERMISSION_DENIED"}})");
  });
  auto runtime = remote_runtime(server, "gemini");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::auth);
  EXPECT_NE(std::string(reply.error->what()).find("unregistered callers"), std::string::npos);
}

TEST(Gemini, SafetyStopIsAnError) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse_data({piece(json::array({{{"text", "Partial"}}})), piece(json::array(), "SAFETY")});
  });
  auto runtime = remote_runtime(server, "gemini");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_EQ(reply.text, "Partial");
}

}  // namespace
}  // namespace switchboard::remote_test
