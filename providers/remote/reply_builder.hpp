#pragma once
// Assembles a Completion from what a dialect reads (whole or streamed) and passes each piece
// on to the caller's sink as a Chunk.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "switchboard/completion.hpp"

namespace switchboard::remote {

class ReplyBuilder {
 public:
  using Clock = std::chrono::steady_clock;

  ReplyBuilder(const ChunkSink& sink, Clock::time_point started) : sink_(sink), started_(started) {}

  void add_text(std::string_view delta);
  // Deltas with the same index are one call: id and name are kept from the first that has them,
  // arguments are concatenated.
  void add_tool_call(int index, std::string_view id, std::string_view name, std::string_view arguments);
  void set_usage(const Usage& usage) { completion_.usage = usage; }
  Usage& usage() { return completion_.usage; }
  void set_finish(FinishReason reason) { finish_ = reason; }
  bool finished() const { return finish_.has_value(); }
  bool has_tool_calls() const { return !calls_.empty(); }
  bool emitted() const { return first_chunk_at_.has_value(); }

  // The Completion as it stands: a finish reason set by the dialect, else `fallback`.
  Completion finish(FinishReason fallback = FinishReason::stop);
  Completion fail(Error error);

 private:
  void emit(const Chunk& chunk);

  const ChunkSink& sink_;
  Clock::time_point started_;
  std::optional<Clock::time_point> first_chunk_at_;
  Completion completion_;
  std::map<int, ToolCall> calls_;  // by the API's index, which is their order
  std::optional<FinishReason> finish_;
};

}  // namespace switchboard::remote
