#pragma once
// Shared helpers of the remote provider's tests: a Runtime whose one provider points at a
// loopback server, and a sink that records every chunk.

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <switchboard/switchboard.hpp>

#include "loopback_server.hpp"

namespace switchboard::remote_test {

using loopback::LoopbackServer;
using loopback::ReceivedRequest;
using loopback::ScriptedResponse;
using loopback::Step;

inline constexpr const char* kApiKey = "sk-test-0123456789-SECRET";

// curl honours http_proxy & co.; the loopback server must be reached directly.
inline void bypass_proxies_for_loopback() {
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
}

inline std::string plugin_paths_line() {
  return "plugin_paths: [\"" SWITCHBOARD_BUILD_DIR "/lib/switchboard/plugins\"]\n";
}

// A runtime with provider `api` (plugin remote) at `server`, and model `m` (remote name
// "test-model"). `settings` is extra YAML flow-mapping text: "max_retries: 0, idle_timeout_ms: 300".
inline Runtime remote_runtime(const LoopbackServer& server, const std::string& api, const std::string& settings = {}) {
  bypass_proxies_for_loopback();
  std::string yaml = plugin_paths_line();
  yaml += "providers:\n  api: { plugin: remote, api: " + api + ", base_url: \"" + server.base_url() +
          "/v1\", api_key: \"" + kApiKey + "\"";
  // Retries in tests wait a millisecond unless a test says otherwise.
  if (settings.find("retry_base_delay_ms") == std::string::npos) yaml += ", retry_base_delay_ms: 1";
  if (!settings.empty()) yaml += ", " + settings;
  yaml += " }\nmodels:\n  m: { provider: api, remote_name: test-model }\n";
  return Runtime(Catalog::parse(yaml, "remote_test.yaml"));
}

inline Request ask(std::string user_text, GenerationOptions options = {}) {
  return Request{{Message::user(std::move(user_text))}, std::nullopt, std::move(options)};
}

struct RecordedStream {
  std::vector<Chunk> chunks;

  ChunkSink sink() {
    return [this](const Chunk& chunk) { chunks.push_back(chunk); };
  }
  std::string joined_text() const {
    std::string text;
    for (const auto& chunk : chunks) text += chunk.text;
    return text;
  }
  std::vector<ToolCallDelta> tool_deltas() const {
    std::vector<ToolCallDelta> deltas;
    for (const auto& chunk : chunks) deltas.insert(deltas.end(), chunk.tool_calls.begin(), chunk.tool_calls.end());
    return deltas;
  }
};

inline nlohmann::json body_of(const ReceivedRequest& request) { return nlohmann::json::parse(request.body); }

}  // namespace switchboard::remote_test
