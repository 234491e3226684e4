#include "reply_writer.hpp"

#include <condition_variable>
#include <mutex>

#include "tokens.hpp"

namespace switchboard::mock {
namespace {

// Tool-call arguments stream in pieces of this many bytes, as real APIs send them.
constexpr std::size_t kArgumentPieceBytes = 8;

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

bool sleep_unless_stopped(std::chrono::nanoseconds delay, const std::stop_token& stop) {
  // A private mutex and condition variable: the wait wakes at once when `stop` is requested.
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

ReplyWriter::ReplyWriter(const ReplyPlan& plan, const ChunkSink& sink, std::stop_token stop,
                         Clock::time_point started, Completion& completion)
    : plan_(plan),
      sink_(sink),
      stop_(std::move(stop)),
      started_(started),
      completion_(completion),
      stop_filter_(plan.stop_strings ? *plan.stop_strings : std::vector<std::string>{}) {}

std::optional<FinishReason> ReplyWriter::before_token() {
  if (stop_.stop_requested()) return FinishReason::cancelled;
  if (plan_.failure && tokens_written_ >= plan_.fail_after_tokens) return FinishReason::error;
  if (tokens_written_ >= plan_.token_budget) return FinishReason::length;
  if (plan_.token_delay.count() > 0 && !sleep_unless_stopped(plan_.token_delay, stop_))
    return FinishReason::cancelled;
  return std::nullopt;
}

void ReplyWriter::send(const Chunk& chunk) {
  if (!first_chunk_at_) first_chunk_at_ = Clock::now();
  if (sink_) sink_(chunk);
}

void ReplyWriter::send_text(std::string_view text) {
  if (text.empty()) return;
  chunk_.text.assign(text);
  completion_.text.append(text);
  send(chunk_);
}

bool ReplyWriter::write_text_token(std::string_view token) {
  ++tokens_written_;
  if (!stop_filter_.active()) {
    send_text(token);
    return false;
  }
  visible_.clear();
  const bool stopped = stop_filter_.push(token, visible_);
  send_text(visible_);
  return stopped;
}

void ReplyWriter::write() {
  chunk_.text.reserve(64);
  const std::string_view text = plan_.text;
  // A looped reply that neither starts nor ends with whitespace gets a space between rounds,
  // so "tick" loops as "tick tick tick".
  const bool space_between_rounds =
      plan_.loop && !text.empty() && !is_whitespace(text.front()) && !is_whitespace(text.back());
  std::string spaced_token;

  std::optional<FinishReason> ended;
  std::size_t at = 0;
  bool repeating = false;
  while (!ended) {
    if (at == text.size()) {
      if (!plan_.loop || text.empty()) break;
      at = 0;
      repeating = true;
    }
    if ((ended = before_token())) break;
    const std::size_t end = token_end(text, at);
    std::string_view token = text.substr(at, end - at);
    if (repeating && at == 0 && space_between_rounds) {
      spaced_token.clear();
      spaced_token.push_back(' ');
      spaced_token.append(token);
      token = spaced_token;
    }
    at = end;
    if (write_text_token(token)) ended = FinishReason::stop;
  }
  // A stop string ends the text for good; an injected failure still happens at the end.
  if (ended == FinishReason::stop) return finish(plan_.failure ? FinishReason::error : FinishReason::stop);

  // The text is over (or broken off): what the stop filter held back was not a stop string.
  visible_.clear();
  stop_filter_.flush(visible_);
  send_text(visible_);

  if (!ended) write_tool_calls(ended);
  // A failure set to come after more tokens than the reply has still happens, at its end.
  if (!ended && plan_.failure) ended = FinishReason::error;
  if (!ended) ended = completion_.tool_calls.empty() ? FinishReason::stop : FinishReason::tool_calls;
  finish(*ended);
}

void ReplyWriter::write_tool_calls(std::optional<FinishReason>& ended) {
  if (!plan_.tool_calls) return;
  Chunk chunk;
  chunk.tool_calls.resize(1);
  ToolCallDelta& delta = chunk.tool_calls.front();
  for (std::size_t index = 0; index < plan_.tool_calls->size(); ++index) {
    const ToolCall& call = (*plan_.tool_calls)[index];
    if ((ended = before_token())) return;
    // The first delta of a call carries its id and name; its arguments follow in pieces.
    delta = ToolCallDelta{static_cast<int>(index), "call_" + std::to_string(plan_.first_call_number + index),
                          call.name, ""};
    completion_.tool_calls.push_back(ToolCall{delta.id, call.name, ""});
    ++tokens_written_;
    send(chunk);

    const std::string_view arguments = call.arguments;
    for (std::size_t at = 0; at < arguments.size();) {
      std::size_t end = std::min(arguments.size(), at + kArgumentPieceBytes);
      while (end < arguments.size() && is_utf8_continuation(arguments[end])) ++end;
      if ((ended = before_token())) return;
      delta = ToolCallDelta{static_cast<int>(index), "", "", std::string(arguments.substr(at, end - at))};
      completion_.tool_calls.back().arguments += delta.arguments;
      ++tokens_written_;
      send(chunk);
      at = end;
    }
  }
}

void ReplyWriter::finish(FinishReason reason) {
  const auto now = Clock::now();
  completion_.finish_reason = reason;
  if (reason == FinishReason::error) completion_.error = plan_.failure;
  completion_.usage.completion_tokens = tokens_written_;

  using Milliseconds = std::chrono::duration<double, std::milli>;
  Timings& timings = completion_.timings;
  timings.total_ms = Milliseconds(now - started_).count();
  if (first_chunk_at_) {
    timings.time_to_first_token_ms = Milliseconds(*first_chunk_at_ - started_).count();
    if (timings.time_to_first_token_ms > 0)
      timings.prompt_tokens_per_second =
          static_cast<double>(completion_.usage.prompt_tokens) / (timings.time_to_first_token_ms / 1000);
    const double decode_ms = Milliseconds(now - *first_chunk_at_).count();
    if (tokens_written_ > 1 && decode_ms > 0)
      timings.tokens_per_second = static_cast<double>(tokens_written_ - 1) / (decode_ms / 1000);
  }
}

}  // namespace switchboard::mock
