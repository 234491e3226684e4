#pragma once
// Shared helpers of the mock provider's tests: a Runtime over catalog text that finds the
// plugins of this build, and a sink that records every chunk.

#include <string>
#include <string_view>
#include <vector>

#include <switchboard/switchboard.hpp>

namespace switchboard::mock_test {

// `catalog_body` holds the providers: and models: sections; the plugin path is added here.
inline Runtime runtime_for(std::string_view catalog_body) {
  std::string yaml = "plugin_paths: [\"" SWITCHBOARD_BUILD_DIR "/lib/switchboard/plugins\"]\n";
  yaml += catalog_body;
  return Runtime(Catalog::parse(yaml, "mock_test.yaml"));
}

inline Request ask(std::string user_text, GenerationOptions options = {}) {
  return Request{{Message::user(std::move(user_text))}, std::nullopt, std::move(options)};
}

struct RecordedStream {
  std::vector<Chunk> chunks;

  ChunkSink sink() {
    return [this](const Chunk& chunk) { chunks.push_back(chunk); };
  }
  std::vector<std::string> texts() const {
    std::vector<std::string> texts;
    for (const auto& chunk : chunks)
      if (!chunk.text.empty()) texts.push_back(chunk.text);
    return texts;
  }
  std::string joined_text() const {
    std::string text;
    for (const auto& chunk : chunks) text += chunk.text;
    return text;
  }
};

}  // namespace switchboard::mock_test
