#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/json.hpp>
#include <switchboard/model.hpp>

namespace {

using namespace switchboard;
using nlohmann::json;

TEST(GenerationOptions, RequestFieldsWinAndDefaultsFillTheRest) {
  GenerationOptions defaults;
  defaults.temperature = 0.7;
  defaults.max_tokens = 512;
  defaults.stop = {"</s>"};
  GenerationOptions request;
  request.temperature = 0.0;
  request.stop = {"END", "</s>"};
  const auto merged = request.over(defaults);
  EXPECT_EQ(merged.temperature, 0.0);
  EXPECT_EQ(merged.max_tokens, 512);
  EXPECT_EQ(merged.stop, (std::vector<std::string>{"END", "</s>"}));
  EXPECT_FALSE(merged.top_p.has_value());
}

TEST(GenerationOptions, JsonRoundTrip) {
  const json text = json::parse(R"({"max_tokens": 16, "temperature": 0.5, "top_p": 0.9, "top_k": 40, "min_p": 0.05,
    "repetition_penalty": 1.1, "seed": 7, "stop": ["\n\n"],
    "tools": [{"name": "get_weather", "description": "Weather now", "parameters": {"type": "object"}}],
    "tool_choice": {"function": "get_weather"}, "response_format": {"type": "json_object"}})");
  const auto options = text.get<GenerationOptions>();
  EXPECT_EQ(options.max_tokens, 16);
  EXPECT_EQ(options.top_k, 40);
  EXPECT_EQ(options.seed, 7u);
  ASSERT_EQ(options.tools.size(), 1u);
  EXPECT_EQ(options.tools[0].name, "get_weather");
  EXPECT_EQ(options.tool_choice->mode, ToolChoice::Mode::function);
  EXPECT_EQ(options.response_format->type, ResponseFormat::Type::json_object);
  EXPECT_EQ(json(options).get<GenerationOptions>(), options);
}

TEST(GenerationOptions, JsonErrorsNameTheKey) {
  try {
    json::parse(R"({"temprature": 1})").get<GenerationOptions>();
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    EXPECT_THAT(error.what(), ::testing::HasSubstr("unknown option 'temprature'"));
  }
  try {
    json::parse(R"({"max_tokens": "many"})").get<GenerationOptions>();
    FAIL();
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("option 'max_tokens': expected an integer, got \"many\""));
  }
  EXPECT_THROW(json::parse(R"({"seed": -1})").get<GenerationOptions>(), Error);
}

TEST(Json, CompletionHasTheKeysHostsReadIn) {
  Completion completion;
  completion.text = "hi";
  completion.finish_reason = FinishReason::length;
  completion.usage = {5, 2, 3};
  completion.timings.time_to_first_token_ms = 12.5;
  const json j = completion;
  EXPECT_EQ(j["text"], "hi");
  EXPECT_EQ(j["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  EXPECT_EQ(j["usage"]["completion_tokens"], 2);
  EXPECT_EQ(j["usage"]["total_tokens"], 7);
  EXPECT_EQ(j["usage"]["cached_prompt_tokens"], 3);
  EXPECT_EQ(j["timings"]["time_to_first_token_ms"], 12.5);
  EXPECT_FALSE(j.contains("error"));

  completion.finish_reason = FinishReason::error;
  completion.error = Error(ErrorCategory::rate_limited, "slow down");
  const json failed = completion;
  EXPECT_EQ(failed["error"]["category"], "rate_limited");
  EXPECT_EQ(failed["error"]["message"], "slow down");
}

TEST(Json, MessagesRoundTripWithToolCalls) {
  const Message call = Message::assistant("", {{"call_1", "get_weather", R"({"city":"Paris"})"}});
  const Message result = Message::tool("call_1", "18C", "get_weather");
  for (const auto& message : {Message::system("be brief"), Message::user("hi"), call, result})
    EXPECT_EQ(json(message).get<Message>(), message);
  EXPECT_THROW(json::parse(R"({"role": "robot", "content": "x"})").get<Message>(), Error);
}

TEST(Names, EveryCategoryRoundTrips) {
  for (auto category : {ErrorCategory::config, ErrorCategory::plugin, ErrorCategory::not_found, ErrorCategory::unavailable,
                        ErrorCategory::auth, ErrorCategory::rate_limited, ErrorCategory::timeout,
                        ErrorCategory::invalid_request, ErrorCategory::model_format, ErrorCategory::internal})
    EXPECT_EQ(error_category_from_string(to_string(category)), category);
  EXPECT_FALSE(error_category_from_string("oops").has_value());
  EXPECT_EQ(to_string(FinishReason::tool_calls), "tool_calls");
  EXPECT_EQ(to_string(LoadState::Phase::downloading), "downloading");
}

}  // namespace
