#include "reply_builder.hpp"

namespace switchboard::remote {

void ReplyBuilder::emit(const Chunk& chunk) {
  if (!first_chunk_at_) first_chunk_at_ = Clock::now();
  if (sink_) sink_(chunk);
}

void ReplyBuilder::add_text(std::string_view delta) {
  if (delta.empty()) return;
  completion_.text.append(delta);
  Chunk chunk;
  chunk.text.assign(delta);
  emit(chunk);
}

void ReplyBuilder::add_tool_call(int index, std::string_view id, std::string_view name, std::string_view arguments) {
  auto& call = calls_[index];
  if (call.id.empty()) call.id.assign(id);
  if (call.name.empty()) call.name.assign(name);
  call.arguments.append(arguments);
  Chunk chunk;
  chunk.tool_calls.push_back(ToolCallDelta{index, std::string(id), std::string(name), std::string(arguments)});
  emit(chunk);
}

Completion ReplyBuilder::finish(FinishReason fallback) {
  completion_.finish_reason = finish_.value_or(fallback);
  completion_.tool_calls.clear();
  for (auto& [index, call] : calls_) {
    completion_.tool_calls.push_back(call);
    // A call without parameters streams no argument text; hosts parse arguments as JSON.
    if (completion_.tool_calls.back().arguments.empty()) completion_.tool_calls.back().arguments = "{}";
  }

  const auto now = Clock::now();
  using Ms = std::chrono::duration<double, std::milli>;
  auto& timings = completion_.timings;
  timings.total_ms = Ms(now - started_).count();
  if (first_chunk_at_) {
    timings.time_to_first_token_ms = Ms(*first_chunk_at_ - started_).count();
    if (timings.time_to_first_token_ms > 0)
      timings.prompt_tokens_per_second =
          static_cast<double>(completion_.usage.prompt_tokens) / (timings.time_to_first_token_ms / 1000);
    const double decode_ms = Ms(now - *first_chunk_at_).count();
    if (completion_.usage.completion_tokens > 1 && decode_ms > 0)
      timings.tokens_per_second = static_cast<double>(completion_.usage.completion_tokens - 1) / (decode_ms / 1000);
  }
  return completion_;
}

Completion ReplyBuilder::fail(Error error) {
  finish_ = FinishReason::error;
  Completion completion = finish();
  completion.error = std::move(error);
  return completion;
}

}  // namespace switchboard::remote
