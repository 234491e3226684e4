// The API key never shows in logs (at any level) or errors; one provider serves many threads
// within its max_in_flight limit; a queued request still honours its stop token.

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

std::string ok_stream_text() {
  return json{{"choices", json::array({{{"index", 0}, {"delta", {{"content", "ok"}}}, {"finish_reason", "stop"}}})}}.dump();
}
ScriptedResponse ok_stream() { return ScriptedResponse::sse_data({ok_stream_text(), "[DONE]"}); }

// Captures everything the shared logger writes at trace level while it lives.
class CapturedLog {
 public:
  CapturedLog() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)), level_(logger()->level()) {
    logger()->sinks().push_back(sink_);
    set_log_level("trace");
  }
  ~CapturedLog() {
    auto& sinks = logger()->sinks();
    sinks.erase(std::find(sinks.begin(), sinks.end(), sink_));
    logger()->set_level(level_);
  }
  std::string text() {
    logger()->flush();
    return text_.str();
  }

 private:
  std::ostringstream text_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  spdlog::level::level_enum level_;
};

TEST(Secrets, TheKeyNeverAppearsInLogsOrErrors) {
  // A server that echoes the key back, as some APIs do in their 401 messages.
  auto calls = std::make_shared<std::atomic<int>>(0);
  LoopbackServer server([calls](const ReceivedRequest& request) {
    const int call = (*calls)++;
    if (call == 0) return ScriptedResponse::json(500, R"({"error":{"message":"retry me"}})");
    if (call == 1) return ok_stream();
    return ScriptedResponse::json(401, json{{"error", {{"message", "Incorrect API key provided: " +
                                                                       request.headers.at("authorization")}}}}.dump());
  });
  CapturedLog log;
  auto runtime = remote_runtime(server, "openai", "max_retries: 1, headers: { X-Api-Key: also-a-secret-value }");
  auto model = runtime.model("m");
  RecordedStream stream;
  const auto good = model->generate(ask("hello"), stream.sink());  // a retry, then a streamed reply
  ASSERT_EQ(good.finish_reason, FinishReason::stop);
  const auto bad = model->generate(ask("hello"));
  ASSERT_EQ(bad.finish_reason, FinishReason::error);
  ASSERT_EQ(bad.error->category(), ErrorCategory::auth);

  const std::string message = bad.error->what();
  EXPECT_EQ(message.find(kApiKey), std::string::npos) << message;
  EXPECT_NE(message.find("[redacted]"), std::string::npos) << message;
  const std::string logged = log.text();
  EXPECT_NE(logged.find("POST"), std::string::npos);  // the log did capture the requests
  EXPECT_NE(logged.find("Authorization: [redacted]"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(kApiKey), std::string::npos);
  EXPECT_EQ(logged.find("also-a-secret-value"), std::string::npos);
  const std::string details = runtime.provider("api")->info().details.dump();
  EXPECT_EQ(details.find(kApiKey), std::string::npos) << details;
}

TEST(Secrets, KeyFromAFileIsSentAndNeverShown) {
  LoopbackServer server([](const ReceivedRequest&) {
    return ScriptedResponse::json(401, R"({"error":{"message":"bad key sk-file-key-abcdef"}})");
  });
  const auto folder = std::filesystem::temp_directory_path() / ("remote_key_" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "key.txt") << "sk-file-key-abcdef\n";
  bypass_proxies_for_loopback();
  std::ofstream(folder / "catalog.yaml") << plugin_paths_line() << "providers:\n  api: { plugin: remote, api: openai, base_url: \""
                                         << server.base_url() << "\", api_key_file: key.txt }\nmodels:\n  m: { provider: api }\n";
  auto runtime = Runtime::from_file(folder / "catalog.yaml");
  const auto reply = runtime.model("m")->generate(ask("x"));
  std::filesystem::remove_all(folder);
  ASSERT_EQ(reply.finish_reason, FinishReason::error);
  EXPECT_EQ(server.requests().at(0).headers.at("authorization"), "Bearer sk-file-key-abcdef");
  EXPECT_EQ(std::string(reply.error->what()).find("sk-file-key-abcdef"), std::string::npos) << reply.error->what();
}

TEST(Config, MistakesAreNamed) {
  LoopbackServer server([](const ReceivedRequest&) { return ok_stream(); });
  auto expect_config_error = [&](const std::string& settings, const std::string& expected) {
    const std::string yaml = plugin_paths_line() + "providers:\n  api: { plugin: remote" + settings +
                             " }\nmodels:\n  m: { provider: api }\n";
    Runtime runtime(Catalog::parse(yaml, "config.yaml"));
    try {
      runtime.model("m");
      ADD_FAILURE() << "accepted: " << settings;
    } catch (const Error& error) {
      EXPECT_EQ(error.category(), ErrorCategory::config) << settings;
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  expect_config_error("", "api: missing");
  expect_config_error(", api: cohere", "expected openai, anthropic or gemini");
  expect_config_error(", api: openai, base_url: ftp://x", "base_url");
  expect_config_error(", api: openai, max_in_flight: 0", "max_in_flight");
  expect_config_error(", api: openai, idle_timeout: 5", "idle_timeout: unknown setting");
  expect_config_error(", api: openai, api_key: a, api_key_file: b", "not both");
  expect_config_error(", api: openai, api_key_file: /nonexistent/key", "cannot read");
}

TEST(Concurrency, ManyThreadsShareOneProviderWithinItsLimit) {
  constexpr int kRequests = 6;
  constexpr int kLimit = 2;
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int finished = 0;
  // Each response waits until the limit is reached (or no more requests can come), so the
  // test knows the limit was both used and never exceeded, without timing anything.
  LoopbackServer server([&](const ReceivedRequest&) {
    std::unique_lock lock(mutex);
    ++inside;
    changed.notify_all();
    changed.wait(lock, [&] { return inside >= kLimit || finished + inside == kRequests; });
    --inside;
    ++finished;
    changed.notify_all();
    return ok_stream();
  });
  auto runtime = remote_runtime(server, "openai", "max_in_flight: 2");
  auto model = runtime.model("m");
  std::vector<Completion> replies(kRequests);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kRequests; ++i)
      threads.emplace_back([&, i] {
        RecordedStream stream;
        replies[i] = model->generate(ask("x"), stream.sink());
      });
  }
  for (const auto& reply : replies) EXPECT_EQ(reply.finish_reason, FinishReason::stop);
  EXPECT_EQ(server.request_count(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(server.max_concurrent_requests(), kLimit);
}

TEST(Concurrency, AQueuedRequestHonoursCancellation) {
  LoopbackServer server([](const ReceivedRequest&) {
    ScriptedResponse silent;
    silent.stall_before_headers = true;
    return silent;
  });
  auto runtime = remote_runtime(server, "openai", "max_in_flight: 1, first_byte_timeout_ms: 600000, max_retries: 0");
  auto model = runtime.model("m");
  std::stop_source first_stop;
  std::jthread first([&] { model->generate(ask("first"), {}, first_stop.get_token()); });
  server.wait_for_requests(1);  // the only slot is taken

  std::stop_source second_stop;
  std::jthread stopper([&] { second_stop.request_stop(); });
  const auto second = model->generate(ask("second"), {}, second_stop.get_token());
  EXPECT_EQ(second.finish_reason, FinishReason::cancelled);
  EXPECT_EQ(server.request_count(), 1u);  // the queued request never reached the server
  first_stop.request_stop();
}

}  // namespace
}  // namespace switchboard::remote_test
