// The smallest complete provider: it answers with the user's last message, word by word.
// It shows every part of the contract a real provider has: option validation in the factory,
// streaming, max_tokens, cancellation, usage and timings.

#include <chrono>
#include <sstream>

#include <switchboard/plugin.hpp>

namespace {

using namespace switchboard;
using Clock = std::chrono::steady_clock;

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream stream(text);
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

class EchoModel final : public Model {
 public:
  EchoModel(ModelEntry entry, bool shout) : entry_(std::move(entry)), shout_(shout) {}

  ModelInfo info() const override {
    ModelInfo info;
    info.id = entry_.name;
    info.provider = entry_.provider;
    return info;
  }
  LoadState state() const override { return {LoadState::Phase::ready, 1.0, std::nullopt}; }
  LoadState prepare(std::stop_token) override { return state(); }

  // Stateless, so concurrent calls need no locking.
  Completion generate(const Request& request, const ChunkSink& on_chunk, std::stop_token stop) override {
    const auto start = Clock::now();
    const GenerationOptions options = request.options.over(entry_.defaults);
    std::string last_user = request.prompt.value_or("");
    std::int64_t prompt_words = static_cast<std::int64_t>(words_of(last_user).size());
    for (const auto& message : request.messages) {
      prompt_words += static_cast<std::int64_t>(words_of(message.content).size());
      if (message.role == Role::user) last_user = message.content;
    }

    Completion completion;
    completion.usage.prompt_tokens = prompt_words;
    for (auto word : words_of(last_user)) {
      if (stop.stop_requested()) {
        completion.finish_reason = FinishReason::cancelled;
        break;
      }
      if (options.max_tokens && completion.usage.completion_tokens >= *options.max_tokens) {
        completion.finish_reason = FinishReason::length;
        break;
      }
      if (shout_)
        for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const Chunk chunk{(completion.text.empty() ? "" : " ") + word, {}};
      completion.text += chunk.text;
      if (++completion.usage.completion_tokens == 1) completion.timings.time_to_first_token_ms = ms_since(start);
      if (on_chunk) on_chunk(chunk);
    }
    completion.timings.total_ms = ms_since(start);
    return completion;
  }

 private:
  ModelEntry entry_;
  bool shout_;
};

class EchoProvider final : public LLMProvider {
 public:
  explicit EchoProvider(const ProviderEntry& entry) : name_(entry.name) {
    for (const auto& [key, value] : entry.options.items()) {
      if (key != "shout") throw Error(ErrorCategory::config, "unknown option '" + key + "'; the only option is 'shout'");
      if (!value.is_boolean()) throw Error(ErrorCategory::config, "option 'shout': expected true or false, got " + value.dump());
      shout_ = value.get<bool>();
    }
  }

  ProviderInfo info() const override { return {name_, "example-echo", "1.0.0", {{"shout", shout_}}}; }

  std::shared_ptr<Model> open(const ModelEntry& entry) override { return std::make_shared<EchoModel>(entry, shout_); }

 private:
  std::string name_;
  bool shout_ = false;
};

}  // namespace

SWITCHBOARD_PLUGIN("example-echo", "1.0.0", [](const ProviderEntry& entry) -> std::shared_ptr<LLMProvider> {
  return std::make_shared<EchoProvider>(entry);
})
