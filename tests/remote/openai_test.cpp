// The OpenAI-compatible dialect against a loopback server: requests as the API documents
// them, streamed and whole replies, tool calls, usage, finish reasons and errors.

#include <gtest/gtest.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

std::string delta_event(const json& delta, const json& finish = nullptr) {
  return json{{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"model", "test-model"},
              {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}}
      .dump();
}

std::string usage_event(int prompt, int completion, int cached = 0) {
  return json{{"id", "chatcmpl-1"}, {"object", "chat.completion.chunk"}, {"choices", json::array()},
              {"usage", {{"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion},
                         {"prompt_tokens_details", {{"cached_tokens", cached}}}}}}
      .dump();
}

ScriptedResponse hello_stream() {
  return ScriptedResponse::sse_data({delta_event({{"role", "assistant"}, {"content", ""}}),
                                     delta_event({{"content", "Hel"}}), delta_event({{"content", "lo!"}}),
                                     delta_event(json::object(), "stop"), usage_event(12, 3, 4), "[DONE]"});
}

TEST(OpenAi, StreamsTextDeltasUsageAndTheFinishReason) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const Completion reply = runtime.model("m")->generate(ask("Hi"), stream.sink());

  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "Hello!");
  ASSERT_EQ(stream.chunks.size(), 2u);
  EXPECT_EQ(stream.chunks[0].text, "Hel");
  EXPECT_EQ(stream.chunks[1].text, "lo!");
  EXPECT_EQ(reply.usage.prompt_tokens, 12);
  EXPECT_EQ(reply.usage.completion_tokens, 3);
  EXPECT_EQ(reply.usage.cached_prompt_tokens, 4);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/v1/chat/completions");
  EXPECT_EQ(requests[0].headers.at("authorization"), std::string("Bearer ") + kApiKey);
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  const json body = body_of(requests[0]);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"], (json{{"include_usage", true}}));
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"user","content":"Hi"}])"));
}

TEST(OpenAi, MapsEveryGenerationOption) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  auto runtime = remote_runtime(server, "openai", "organization: org-7, headers: { X-Title: switchboard-tests }");
  GenerationOptions options;
  options.max_tokens = 64;
  options.temperature = 0.25;
  options.top_p = 0.5;
  options.seed = 42;
  options.stop = {"END", "STOP"};
  options.presence_penalty = 0.5;
  options.tools = {ToolDefinition{"get_weather", "Weather of a city",
                                  json::parse(R"({"type":"object","properties":{"city":{"type":"string"}}})")}};
  options.tool_choice = ToolChoice{ToolChoice::Mode::function, "get_weather"};
  options.response_format = ResponseFormat{ResponseFormat::Type::json_schema, json::parse(R"({"type":"object"})")};
  Request request;
  request.messages = {Message::system("Be brief."), Message::user("Weather?"),
                      Message::assistant("", {ToolCall{"call_1", "get_weather", R"({"city":"Oslo"})"}}),
                      Message::tool("call_1", "sunny", "get_weather")};
  request.options = options;
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(request, stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::stop);

  const auto received = server.requests().at(0);
  EXPECT_EQ(received.headers.at("openai-organization"), "org-7");
  EXPECT_EQ(received.headers.at("x-title"), "switchboard-tests");
  const json body = body_of(received);
  EXPECT_EQ(body["max_tokens"], 64);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(body["top_p"].get<double>(), 0.5);
  EXPECT_EQ(body["seed"], 42);
  EXPECT_DOUBLE_EQ(body["presence_penalty"].get<double>(), 0.5);
  EXPECT_FALSE(body.contains("top_k"));  // unset options are not sent
  EXPECT_EQ(body["stop"], json::parse(R"(["END","STOP"])"));
  EXPECT_EQ(body["tools"], json::parse(R"([{"type":"function","function":{"name":"get_weather",
      "description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}])"));
  EXPECT_EQ(body["tool_choice"], json::parse(R"({"type":"function","function":{"name":"get_weather"}})"));
  EXPECT_EQ(body["response_format"],
            json::parse(R"({"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"}}})"));
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role":"system","content":"Be brief."},
      {"role":"user","content":"Weather?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
          "function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
      {"role":"tool","content":"sunny","tool_call_id":"call_1","name":"get_weather"}])"));
}

TEST(OpenAi, JsonObjectFormatAndRequiredToolChoice) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  auto runtime = remote_runtime(server, "openai");
  GenerationOptions options;
  options.response_format = ResponseFormat{ResponseFormat::Type::json_object, {}};
  options.tool_choice = ToolChoice{ToolChoice::Mode::required, {}};
  RecordedStream stream;
  runtime.model("m")->generate(ask("x", options), stream.sink());
  const json body = body_of(server.requests().at(0));
  EXPECT_EQ(body["response_format"], (json{{"type", "json_object"}}));
  EXPECT_EQ(body["tool_choice"], "required");
}

TEST(OpenAi, AssemblesStreamedToolCallsAndPassesTheDeltasOn) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto call = [](int index, json function, const char* id = nullptr) {
      json entry = {{"index", index}, {"function", std::move(function)}};
      if (id) {
        entry["id"] = id;
        entry["type"] = "function";
      }
      return delta_event({{"tool_calls", json::array({entry})}});
    };
    return ScriptedResponse::sse_data({
        delta_event({{"role", "assistant"}, {"content", nullptr}}),
        call(0, {{"name", "get_weather"}, {"arguments", ""}}, "call_a"),
        call(0, {{"arguments", "{\"ci"}}),
        call(0, {{"arguments", "ty\":\"Oslo\"}"}}),
        call(1, {{"name", "get_time"}, {"arguments", "{}"}}, "call_b"),
        delta_event(json::object(), "tool_calls"),
        usage_event(20, 9),
        "[DONE]",
    });
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Weather and time?"), stream.sink());

  ASSERT_EQ(reply.finish_reason, FinishReason::tool_calls) << (reply.error ? reply.error->what() : "");
  ASSERT_EQ(reply.tool_calls.size(), 2u);
  EXPECT_EQ(reply.tool_calls[0], (ToolCall{"call_a", "get_weather", R"({"city":"Oslo"})"}));
  EXPECT_EQ(reply.tool_calls[1], (ToolCall{"call_b", "get_time", "{}"}));
  const auto deltas = stream.tool_deltas();
  ASSERT_EQ(deltas.size(), 4u);
  EXPECT_EQ(deltas[0].id, "call_a");
  EXPECT_EQ(deltas[0].name, "get_weather");
  EXPECT_EQ(deltas[1].arguments, "{\"ci");
  EXPECT_EQ(deltas[1].index, 0);
  EXPECT_EQ(deltas[3].index, 1);
}

TEST(OpenAi, WholeReplyWhenTheHostDoesNotStream) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(200, R"({"id":"chatcmpl-2","object":"chat.completion","model":"test-model",
      "choices":[{"index":0,"message":{"role":"assistant","content":"Whole reply."},"finish_reason":"length"}],
      "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})");
  });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("Hi"));
  ASSERT_EQ(reply.finish_reason, FinishReason::length) << (reply.error ? reply.error->what() : "");
  EXPECT_EQ(reply.text, "Whole reply.");
  EXPECT_EQ(reply.usage.prompt_tokens, 5);
  EXPECT_EQ(reply.usage.completion_tokens, 2);
  EXPECT_FALSE(body_of(server.requests().at(0)).contains("stream"));
}

TEST(OpenAi, WholeReplyWithToolCalls) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(200, R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,
      "tool_calls":[{"id":"call_9","type":"function","function":{"name":"lookup","arguments":"{\"q\":1}"}}]},
      "finish_reason":"tool_calls"}]})");
  });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("Hi"));
  ASSERT_EQ(reply.finish_reason, FinishReason::tool_calls);
  ASSERT_EQ(reply.tool_calls.size(), 1u);
  EXPECT_EQ(reply.tool_calls[0], (ToolCall{"call_9", "lookup", R"({"q":1})"}));
}

TEST(OpenAi, ContentFilterEndsTheReplyWithAnError) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse_data({delta_event({{"content", "Par"}}), delta_event(json::object(), "content_filter")});
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Hi"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_EQ(reply.text, "Par");
}

TEST(OpenAi, AnErrorObjectInsideTheStreamIsReported) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse_data(
        {delta_event({{"content", "a"}}), R"({"error":{"message":"The server had an error","type":"server_error"}})"});
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Hi"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(std::string(reply.error->what()).find("The server had an error"), std::string::npos);
}

TEST(OpenAi, RawPromptsAreRefusedWithAnInvalidRequest) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  auto runtime = remote_runtime(server, "openai");
  Request request;
  request.prompt = "raw";
  const auto reply = runtime.model("m")->generate(request);
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_EQ(server.request_count(), 0u);
}

TEST(OpenAi, CatalogDefaultsAreLaidUnderTheRequest) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  bypass_proxies_for_loopback();
  const std::string yaml = plugin_paths_line() + "providers:\n  api: { plugin: remote, api: openai, base_url: \"" +
                           server.base_url() + "/v1\" }\nmodels:\n  tuned: { provider: api, defaults: { temperature: 0.1, max_tokens: 9 } }\n";
  Runtime runtime(Catalog::parse(yaml, "defaults.yaml"));
  GenerationOptions options;
  options.max_tokens = 3;
  RecordedStream stream;
  runtime.model("tuned")->generate(ask("x", options), stream.sink());
  const auto received = server.requests().at(0);
  const json body = body_of(received);
  EXPECT_EQ(body["model"], "tuned");  // no remote_name: the catalog name
  EXPECT_EQ(body["max_tokens"], 3);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.1);
  EXPECT_FALSE(received.headers.contains("authorization"));  // no key configured, none sent
}

TEST(OpenAi, ConnectionsAreReusedAcrossRequests) {
  LoopbackServer server([](const ReceivedRequest&) { return hello_stream(); });
  auto runtime = remote_runtime(server, "openai");
  auto model = runtime.model("m");
  for (int i = 0; i < 3; ++i) {
    RecordedStream stream;
    ASSERT_EQ(model->generate(ask("Hi"), stream.sink()).finish_reason, FinishReason::stop);
  }
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(server.connections_accepted(), 1);
}

}  // namespace
}  // namespace switchboard::remote_test
