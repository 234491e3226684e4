// Each fault ends in its documented error or recovery, and nothing waits past its timeout.
// Timeouts here are short, but no test asserts on how long anything took: the server and the
// test meet through latches (wait_for_requests, stalls), never through sleeps.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>

#include <gtest/gtest.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

std::string text_event(const std::string& text) {
  return json{{"choices", json::array({{{"index", 0}, {"delta", {{"content", text}}}, {"finish_reason", nullptr}}})}}.dump();
}
std::string stop_event() {
  return json{{"choices", json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}})}}.dump();
}

ScriptedResponse ok_stream() { return ScriptedResponse::sse_data({text_event("ok"), stop_event(), "[DONE]"}); }

// Answers the first `failures` requests with `failure`, then streams "ok".
LoopbackServer::Handler fail_then_succeed(int failures, ScriptedResponse failure) {
  auto count = std::make_shared<std::atomic<int>>(0);
  return [=](const ReceivedRequest&) { return (*count)++ < failures ? failure : ok_stream(); };
}

std::string what(const Completion& reply) { return reply.error ? reply.error->what() : std::string("(no error)"); }

TEST(Faults, UnauthorizedIsAnAuthErrorWithTheApiMessage) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(401, R"({"error":{"message":"Incorrect API key provided.","type":"invalid_request_error",
      "param":null,"code":"invalid_api_key"}})");
  });
  auto runtime = remote_runtime(server, "openai", "max_retries: 3");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("Hi"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::auth);
  EXPECT_NE(what(reply).find("HTTP 401: Incorrect API key provided."), std::string::npos) << what(reply);
  EXPECT_EQ(server.request_count(), 1u);  // never retried
}

TEST(Faults, ContextLengthExceededIsAnInvalidRequestThatSaysSo) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(400, R"({"error":{"message":"This model's maximum context length is 8192 tokens.",
      "type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}})");
  });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("long"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_NE(what(reply).find("context length exceeded: This model's maximum context length"), std::string::npos) << what(reply);
}

TEST(Faults, UnknownModelIsNotFound) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(404, R"({"error":{"message":"The model `nope` does not exist","type":"invalid_request_error"}})");
  });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::not_found);
}

TEST(Faults, RateLimitedWithRetryAfterThenSuccess) {
  ScriptedResponse limited = ScriptedResponse::json(429, R"({"error":{"message":"Rate limit reached","type":"requests"}})");
  limited.headers.emplace_back("Retry-After", "0");
  LoopbackServer server(fail_then_succeed(1, limited));
  // The backoff would be half an hour, past the total timeout, so only a retry that honours
  // Retry-After (0 s) can succeed.
  auto runtime = remote_runtime(server, "openai",
                                "max_retries: 2, retry_base_delay_ms: 3600000, retry_max_delay_ms: 3600000, "
                                "total_timeout_ms: 60000");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(reply.text, "ok");
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(Faults, RateLimitedPastTheLongestWaitIsReportedWithRetryAfter) {
  ScriptedResponse limited = ScriptedResponse::json(429, R"({"error":{"message":"Rate limit reached","type":"tokens"}})");
  limited.headers.emplace_back("Retry-After", "3600");
  LoopbackServer server([=](const ReceivedRequest&) { return limited; });
  auto runtime = remote_runtime(server, "openai", "max_retries: 2, retry_max_delay_ms: 1000");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::rate_limited);
  ASSERT_TRUE(reply.error->retry_after().has_value());
  EXPECT_EQ(*reply.error->retry_after(), std::chrono::milliseconds(3'600'000));
  EXPECT_NE(what(reply).find("Rate limit reached"), std::string::npos);
  EXPECT_EQ(server.request_count(), 1u);  // an hour is not waited for
}

TEST(Faults, ServerErrorThenSuccess) {
  LoopbackServer server(fail_then_succeed(2, ScriptedResponse::json(500, R"({"error":{"message":"boom"}})")));
  auto runtime = remote_runtime(server, "openai", "max_retries: 2");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(Faults, RetriesAreBoundedByMaxRetries) {
  LoopbackServer server([](const ReceivedRequest&) { return ScriptedResponse::json(503, R"({"error":{"message":"overloaded"}})"); });
  auto runtime = remote_runtime(server, "openai", "max_retries: 2");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(what(reply).find("HTTP 503: overloaded"), std::string::npos) << what(reply);
  EXPECT_EQ(server.request_count(), 3u);
}

TEST(Faults, ConnectionDroppedMidStreamIsAnErrorAndIsNotRetried) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto response = ScriptedResponse::sse_data({text_event("Hel"), text_event("lo")});
    response.steps.push_back(Step::drop());
    return response;
  });
  auto runtime = remote_runtime(server, "openai", "max_retries: 3");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_EQ(reply.text, "Hello");  // what reached the caller is kept
  EXPECT_EQ(stream.joined_text(), "Hello");
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(Faults, StreamClosedCleanlyBeforeTheEndIsAnError) {
  LoopbackServer server([](const ReceivedRequest&) { return ScriptedResponse::sse_data({text_event("partial")}); });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_EQ(reply.text, "partial");
}

TEST(Faults, StalledStreamEndsWhenTheIdleTimeoutFires) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto response = ScriptedResponse::sse_data({text_event("first")});
    response.steps.push_back(Step::stall());
    return response;
  });
  auto runtime = remote_runtime(server, "openai", "idle_timeout_ms: 300, max_retries: 2");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::timeout);
  EXPECT_NE(what(reply).find("idle_timeout_ms"), std::string::npos) << what(reply);
  EXPECT_EQ(reply.text, "first");
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(Faults, NoResponseEndsWhenTheFirstByteTimeoutFires) {
  LoopbackServer server([](const ReceivedRequest&) {
    ScriptedResponse silent;
    silent.stall_before_headers = true;
    return silent;
  });
  auto runtime = remote_runtime(server, "openai", "first_byte_timeout_ms: 300");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::timeout);
  EXPECT_NE(what(reply).find("first_byte_timeout_ms"), std::string::npos) << what(reply);
}

TEST(Faults, TotalTimeoutBoundsASlowButSteadyStream) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto response = ScriptedResponse::sse_data({text_event("a")});
    for (int i = 0; i < 200; ++i) {
      response.steps.push_back(Step::pause(std::chrono::milliseconds(20)));
      response.steps.push_back(Step::send(": keep-alive\n\n"));
    }
    return response;
  });
  auto runtime = remote_runtime(server, "openai", "total_timeout_ms: 300, idle_timeout_ms: 10000");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::timeout);
  EXPECT_NE(what(reply).find("total_timeout_ms"), std::string::npos) << what(reply);
}

TEST(Faults, MalformedJsonInTheStreamIsReported) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse_data({text_event("fine"), R"({"choices": [ {"delta": )"});
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(what(reply).find("malformed JSON in a streamed event"), std::string::npos) << what(reply);
  EXPECT_EQ(reply.text, "fine");
}

TEST(Faults, MalformedJsonBodyIsReported) {
  LoopbackServer server([](const ReceivedRequest&) { return ScriptedResponse::json(200, "{not json"); });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(what(reply).find("malformed JSON in the response body"), std::string::npos) << what(reply);
}

TEST(Faults, WellFormedJsonOfTheWrongShapeIsReportedNotCrashed) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::sse_data({R"({"choices": [{"delta": {"content": 7, "tool_calls": "x"}, "finish_reason": 3}]})",
                                       R"([1,2,3])", R"("text")", stop_event(), "[DONE]"});
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  EXPECT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(reply.text, "");
}

TEST(Faults, StreamSplitIntoSingleBytesReadsTheSame) {
  LoopbackServer server([](const ReceivedRequest&) {
    const std::string stream = "data: " + text_event("Hello, ") + "\r\n\r\n: keep-alive\r\n\r\ndata: " + text_event("world") +
                               "\n\ndata: " + stop_event() + "\r\rdata: [DONE]\n\n";
    ScriptedResponse response;
    response.headers = {{"Content-Type", "text/event-stream"}, {"Transfer-Encoding", "chunked"}};
    for (char byte : stream) response.steps.push_back(Step::send(std::string(1, byte)));
    return response;
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(reply.text, "Hello, world");
}

TEST(Faults, AVeryLargeStreamedResponse) {
  constexpr int kEvents = 20'000;
  LoopbackServer server([](const ReceivedRequest&) {
    std::vector<std::string> events;
    for (int i = 0; i < kEvents; ++i) events.push_back(text_event("word" + std::to_string(i % 10) + " "));
    events.push_back(stop_event());
    events.push_back("[DONE]");
    return ScriptedResponse::sse_data(events);
  });
  auto runtime = remote_runtime(server, "openai");
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(ask("x"), stream.sink());
  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(stream.chunks.size(), static_cast<std::size_t>(kEvents));
  EXPECT_EQ(reply.text.size(), static_cast<std::size_t>(kEvents) * 6);
}

TEST(Faults, AVeryLargeWholeResponse) {
  const std::string content(8u << 20, 'x');
  LoopbackServer server([&](const ReceivedRequest&) {
    return ScriptedResponse::json(200, json{{"choices", json::array({{{"index", 0},
        {"message", {{"role", "assistant"}, {"content", content}}}, {"finish_reason", "stop"}}})}}.dump());
  });
  auto runtime = remote_runtime(server, "openai");
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::stop) << what(reply);
  EXPECT_EQ(reply.text, content);
}

TEST(Faults, CancellationWhileWaitingForTheFirstByteReturnsCancelled) {
  LoopbackServer server([](const ReceivedRequest&) {
    ScriptedResponse silent;
    silent.stall_before_headers = true;
    return silent;
  });
  // The deadlines are far away: only the stop request can end this call.
  auto runtime = remote_runtime(server, "openai", "first_byte_timeout_ms: 600000, max_retries: 0");
  auto model = runtime.model("m");
  std::stop_source stop;
  std::jthread stopper([&] {
    server.wait_for_requests(1);
    stop.request_stop();
  });
  RecordedStream stream;
  const auto reply = model->generate(ask("x"), stream.sink(), stop.get_token());
  EXPECT_EQ(reply.finish_reason, FinishReason::cancelled) << what(reply);
  EXPECT_FALSE(reply.error.has_value());
}

TEST(Faults, CancellationMidStreamKeepsTheTextSoFar) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto response = ScriptedResponse::sse_data({text_event("before")});
    response.steps.push_back(Step::stall());
    return response;
  });
  auto runtime = remote_runtime(server, "openai");
  std::stop_source stop;
  RecordedStream stream;
  const auto reply = runtime.model("m")->generate(
      ask("x"),
      [&](const Chunk& chunk) {
        stream.chunks.push_back(chunk);
        stop.request_stop();  // the host decides it has seen enough
      },
      stop.get_token());
  EXPECT_EQ(reply.finish_reason, FinishReason::cancelled) << what(reply);
  EXPECT_EQ(reply.text, "before");
}

TEST(Faults, ConnectionRefusedIsUnavailableAfterTheRetries) {
  std::string url;
  {
    LoopbackServer closed([](const ReceivedRequest&) { return ok_stream(); });
    url = closed.base_url();
  }
  bypass_proxies_for_loopback();
  Runtime runtime(Catalog::parse(plugin_paths_line() + "providers:\n  api: { plugin: remote, api: openai, base_url: \"" + url +
                                     "\", max_retries: 1, retry_base_delay_ms: 1 }\nmodels:\n  m: { provider: api }\n",
                                 "refused.yaml"));
  const auto reply = runtime.model("m")->generate(ask("x"));
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::unavailable);
  EXPECT_NE(what(reply).find("could not reach"), std::string::npos) << what(reply);
}

}  // namespace
}  // namespace switchboard::remote_test
