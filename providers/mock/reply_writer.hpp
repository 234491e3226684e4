#pragma once
// Streams one reply token by token: the delays, cancellation, max_tokens, stop strings,
// injected failures, tool-call deltas, usage and timings of one generate() call.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "switchboard/completion.hpp"
#include <switchboard/stop_filter.hpp>

namespace switchboard::mock {

using Clock = std::chrono::steady_clock;

// What to write. Views point into the model's configuration or the request, which outlive
// the writer.
struct ReplyPlan {
  std::string_view text;
  const std::vector<ToolCall>* tool_calls = nullptr;
  int first_call_number = 1;  // tool-call ids are "call_<n>" counting on from here
  bool loop = false;
  std::int64_t token_budget = 0;  // the most tokens to write: max_tokens or what the context has left
  std::chrono::nanoseconds token_delay{0};
  const std::vector<std::string>* stop_strings = nullptr;
  std::optional<Error> failure;  // breaks the reply off after `fail_after_tokens`
  std::int64_t fail_after_tokens = 0;
};

// Waits `delay`, or less if a stop is requested. Returns false when it was stopped.
bool sleep_unless_stopped(std::chrono::nanoseconds delay, const std::stop_token& stop);

class ReplyWriter {
 public:
  // `completion` already holds usage.prompt_tokens; the writer fills in the rest.
  ReplyWriter(const ReplyPlan& plan, const ChunkSink& sink, std::stop_token stop, Clock::time_point started,
              Completion& completion);

  void write();

 private:
  // Checked before each token: the reason to end the reply now, if there is one.
  std::optional<FinishReason> before_token();
  // Returns true when the text ended on a stop string.
  bool write_text_token(std::string_view token);
  void write_tool_calls(std::optional<FinishReason>& ended);
  void send(const Chunk& chunk);
  void send_text(std::string_view text);
  void finish(FinishReason reason);

  const ReplyPlan& plan_;
  const ChunkSink& sink_;
  std::stop_token stop_;
  Clock::time_point started_;
  std::optional<Clock::time_point> first_chunk_at_;
  Completion& completion_;
  StopFilter stop_filter_;
  std::int64_t tokens_written_ = 0;
  Chunk chunk_;           // reused so that short tokens cost no allocation
  std::string visible_;   // what the stop filter lets through, reused
};

}  // namespace switchboard::mock
