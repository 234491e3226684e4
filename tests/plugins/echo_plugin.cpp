// A small, complete provider used by the registry tests: replies with the last user message,
// one word per chunk, behind an optional prefix.

#include <atomic>
#include <sstream>

#include <switchboard/plugin.hpp>

namespace {

using namespace switchboard;

std::atomic<int> live_models{0};

class EchoModel final : public Model {
 public:
  EchoModel(ModelEntry entry, std::string prefix) : entry_(std::move(entry)), prefix_(std::move(prefix)) { ++live_models; }
  ~EchoModel() override { --live_models; }

  ModelInfo info() const override { return {entry_.name, entry_.provider, 0, true, false, false}; }
  LoadState state() const override { return {LoadState::Phase::ready, 1.0, std::nullopt}; }
  LoadState prepare(std::stop_token) override { return state(); }

  Completion generate(const Request& request, const ChunkSink& on_chunk, std::stop_token stop) override {
    std::string said;
    for (const auto& message : request.messages)
      if (message.role == Role::user) said = message.content;
    Completion completion;
    std::istringstream words(prefix_ + said);
    for (std::string word; words >> word;) {
      if (stop.stop_requested()) {
        completion.finish_reason = FinishReason::cancelled;
        break;
      }
      Chunk chunk{(completion.text.empty() ? "" : " ") + word, {}};
      completion.text += chunk.text;
      ++completion.usage.completion_tokens;
      if (on_chunk) on_chunk(chunk);
    }
    return completion;
  }

 private:
  ModelEntry entry_;
  std::string prefix_;
};

class EchoProvider final : public LLMProvider {
 public:
  explicit EchoProvider(const ProviderEntry& entry) : name_(entry.name) {
    for (const auto& [key, value] : entry.options.items()) {
      if (key == "prefix" && value.is_string()) prefix_ = value.get<std::string>();
      else if (key == "refuse_to_start") throw Error(ErrorCategory::unavailable, "told to refuse by option 'refuse_to_start'");
      else throw Error(ErrorCategory::config, "unknown option '" + key + "'");
    }
  }
  ProviderInfo info() const override {
    return {name_, "echo", "1.0.0", {{"live_models", live_models.load()}}};
  }
  std::shared_ptr<Model> open(const ModelEntry& entry) override { return std::make_shared<EchoModel>(entry, prefix_); }

 private:
  std::string name_;
  std::string prefix_;
};

}  // namespace

SWITCHBOARD_PLUGIN("echo", "1.0.0", [](const ProviderEntry& entry) -> std::shared_ptr<LLMProvider> {
  return std::make_shared<EchoProvider>(entry);
})
