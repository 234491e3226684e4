// The promise: the same host code streams a reply from the mock, the local and the
// remote provider, and switching between them is one line of YAML (`provider:`).

#include <gtest/gtest.h>

#include "remote_test_support.hpp"

namespace switchboard::remote_test {
namespace {

using nlohmann::json;

// Host code that knows nothing of providers: asks, streams, and returns what it saw.
struct HostResult {
  std::string streamed;
  Completion reply;
};

HostResult ask_and_stream(Runtime& runtime) {
  HostResult result;
  GenerationOptions options;
  options.max_tokens = 8;
  options.temperature = 0.0;
  result.reply = runtime.model("assistant")->generate(
      ask("Say hello.", options), [&](const Chunk& chunk) { result.streamed += chunk.text; });
  return result;
}

std::string catalog(const LoopbackServer& server, const std::string& provider) {
  const std::string llama = std::string(SWITCHBOARD_TEST_DATA) + "/fixtures/models/llama";
  return plugin_paths_line() +
         "providers:\n"
         "  test:  { plugin: mock }\n"
         "  cpu:   { plugin: local, backend: cpu, threads: 1 }\n"
         "  cloud: { plugin: remote, api: openai, base_url: \"" + server.base_url() + "/v1\", api_key: \"" + kApiKey + "\" }\n"
         "models:\n"
         "  assistant:\n"
         "    provider: " + provider + "\n"   // the one line that changes
         "    path: \"" + llama + "\"\n"
         "    remote_name: gpt-test\n"
         "    context: 256\n";
}

TEST(SameHostCode, StreamsFromMockLocalAndRemoteByChangingOneLine) {
  LoopbackServer server([](const ReceivedRequest&) {
    auto delta = [](const json& d, const json& finish = nullptr) {
      return json{{"choices", json::array({{{"index", 0}, {"delta", d}, {"finish_reason", finish}}})}}.dump();
    };
    return ScriptedResponse::sse_data({delta({{"content", "Hello"}}), delta({{"content", " there"}}),
                                       delta(json::object(), "stop"), "[DONE]"});
  });
  bypass_proxies_for_loopback();
  for (const std::string provider : {"test", "cpu", "cloud"}) {
    SCOPED_TRACE(provider);
    Runtime runtime(Catalog::parse(catalog(server, provider), "switch.yaml"));
    const HostResult result = ask_and_stream(runtime);
    ASSERT_NE(result.reply.finish_reason, FinishReason::error) << result.reply.error->what();
    EXPECT_FALSE(result.streamed.empty());
    EXPECT_EQ(result.streamed, result.reply.text);
    EXPECT_EQ(runtime.model("assistant")->info().provider, provider);
  }
  EXPECT_EQ(server.request_count(), 1u);  // only the remote one went over the wire
  EXPECT_EQ(body_of(server.requests().at(0))["model"], "gpt-test");
}

}  // namespace
}  // namespace switchboard::remote_test
