#include "mock_model.hpp"

#include <algorithm>

#include "tokens.hpp"

namespace switchboard::mock {
namespace {

constexpr std::int64_t kDefaultContextLength = 4096;

std::chrono::nanoseconds from_milliseconds(double milliseconds) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double, std::milli>(milliseconds));
}

// Prompt tokens, by the same rule as the reply: every message's text and tool calls.
std::int64_t count_prompt_tokens(const Request& request) {
  if (request.prompt) return count_tokens(*request.prompt);
  std::int64_t count = 0;
  for (const auto& message : request.messages) {
    count += count_tokens(message.content);
    for (const auto& call : message.tool_calls) count += count_tokens(call.name) + count_tokens(call.arguments);
  }
  return count;
}

// What the replies are matched against and what echo answers with: the raw prompt, else the
// last user message. When the conversation ends with a tool result, that result instead, so
// that a script can answer it rather than call the same tool again.
const std::string& reply_input(const Request& request) {
  static const std::string kNothing;
  if (request.prompt) return *request.prompt;
  if (!request.messages.empty() && request.messages.back().role == Role::tool) return request.messages.back().content;
  for (auto message = request.messages.rbegin(); message != request.messages.rend(); ++message)
    if (message->role == Role::user) return message->content;
  return kNothing;
}

// Tool calls already in the conversation, so that a new call's id does not repeat an old one.
int tool_calls_so_far(const Request& request) {
  int count = 0;
  for (const auto& message : request.messages) count += static_cast<int>(message.tool_calls.size());
  return count;
}

Completion failed(Completion completion, Error error, Clock::time_point started) {
  completion.finish_reason = FinishReason::error;
  completion.error = std::move(error);
  completion.timings.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  return completion;
}

}  // namespace

MockModel::MockModel(ModelEntry entry, MockConfig config)
    : entry_(std::move(entry)),
      config_(std::move(config)),
      context_length_(entry_.context ? *entry_.context : kDefaultContextLength) {}

ModelInfo MockModel::info() const {
  ModelInfo info;
  info.id = entry_.name;
  info.provider = entry_.provider;
  info.context_length = context_length_;
  info.streaming = true;
  info.tools = true;
  info.json_mode = false;
  return info;
}

LoadState MockModel::state() const {
  std::lock_guard lock(load_mutex_);
  return state_locked();
}

LoadState MockModel::state_locked() const {
  LoadState state;
  state.phase = phase_.load();
  if (state.phase == LoadState::Phase::loading && config_.load_delay_ms > 0) {
    const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - load_started_).count();
    state.progress = std::clamp(elapsed / config_.load_delay_ms, 0.0, 1.0);
  }
  if (state.phase == LoadState::Phase::ready || state.phase == LoadState::Phase::failed) state.progress = 1;
  if (state.phase == LoadState::Phase::failed) state.error = config_.fail_load;
  return state;
}

LoadState MockModel::prepare(std::stop_token stop) {
  std::unique_lock lock(load_mutex_);
  // Another thread may be loading: wait for it rather than loading twice.
  const bool settled = load_done_.wait(lock, stop, [this] { return !loading_; });
  const auto phase = phase_.load();
  if (!settled || phase == LoadState::Phase::ready || phase == LoadState::Phase::failed) return state_locked();

  loading_ = true;
  load_started_ = Clock::now();
  phase_ = LoadState::Phase::loading;
  lock.unlock();
  const bool loaded = sleep_unless_stopped(from_milliseconds(config_.load_delay_ms), stop);
  lock.lock();
  loading_ = false;
  // A stopped load is abandoned, not failed: the next prepare() starts it again.
  if (!loaded)
    phase_ = LoadState::Phase::pending;
  else
    phase_ = config_.fail_load ? LoadState::Phase::failed : LoadState::Phase::ready;
  load_done_.notify_all();
  return state_locked();
}

Completion MockModel::generate(const Request& request, const ChunkSink& on_chunk, std::stop_token stop) {
  const auto started = Clock::now();
  const std::int64_t call_number = ++calls_;
  Completion completion;
  completion.usage.prompt_tokens = count_prompt_tokens(request);

  if (phase_.load(std::memory_order_acquire) != LoadState::Phase::ready) {
    LoadState loaded = prepare(stop);
    if (loaded.phase == LoadState::Phase::failed) return failed(std::move(completion), *loaded.error, started);
    if (loaded.phase != LoadState::Phase::ready) {  // stopped while loading
      completion.finish_reason = FinishReason::cancelled;
      completion.timings.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
      return completion;
    }
  }

  const GenerationOptions options = request.options.over(entry_.defaults);
  if (options.max_tokens && *options.max_tokens < 0)
    return failed(std::move(completion),
                  Error(ErrorCategory::invalid_request,
                        "model '" + entry_.name + "': max_tokens must be >= 0, got " + std::to_string(*options.max_tokens)),
                  started);
  if (completion.usage.prompt_tokens >= context_length_)
    return failed(std::move(completion),
                  Error(ErrorCategory::invalid_request,
                        "model '" + entry_.name + "': the prompt has " + std::to_string(completion.usage.prompt_tokens) +
                            " tokens; the context holds " + std::to_string(context_length_)),
                  started);

  const ReplyPlan plan =
      plan_reply(request, reply_input(request), options, completion.usage.prompt_tokens, call_number);
  ReplyWriter(plan, on_chunk, std::move(stop), started, completion).write();
  return completion;
}

ReplyPlan MockModel::plan_reply(const Request& request, const std::string& input, const GenerationOptions& options,
                                std::int64_t prompt_tokens, std::int64_t call_number) const {
  ReplyPlan plan;
  const auto scripted = std::find_if(config_.replies.begin(), config_.replies.end(),
                                     [&](const ScriptedReply& reply) { return reply.matches(input); });
  if (scripted != config_.replies.end()) {
    plan.text = scripted->text;
    plan.tool_calls = &scripted->tool_calls;
  } else {
    plan.text = config_.echo ? std::string_view(input) : std::string_view(config_.default_reply);
  }
  plan.first_call_number = tool_calls_so_far(request) + 1;
  plan.loop = config_.loop;
  plan.token_budget = context_length_ - prompt_tokens;
  if (options.max_tokens) plan.token_budget = std::min<std::int64_t>(plan.token_budget, *options.max_tokens);
  plan.token_delay = from_milliseconds(config_.token_delay_ms);
  plan.stop_strings = &options.stop;
  if (config_.fail && (!config_.fail->on_call || *config_.fail->on_call == call_number)) {
    plan.failure = Error(config_.fail->category, config_.fail->message);
    plan.fail_after_tokens = config_.fail->after_tokens;
  }
  return plan;
}

}  // namespace switchboard::mock
