#pragma once
// What comes back: streamed chunks while the model writes, a Completion when it is done.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "switchboard/error.hpp"
#include "switchboard/message.hpp"

namespace switchboard {

// Part of a tool call as it streams. Deltas with the same index belong to one call; id and
// name arrive once, arguments arrive in pieces to be concatenated.
struct ToolCallDelta {
  int index = 0;
  std::string id;
  std::string name;
  std::string arguments;
};

struct Chunk {
  std::string text;
  std::vector<ToolCallDelta> tool_calls;
};

// Called on the thread that runs generate(), in order, once per chunk.
using ChunkSink = std::function<void(const Chunk&)>;

enum class FinishReason { stop, length, tool_calls, cancelled, error };

std::string_view to_string(FinishReason reason) noexcept;

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  // Prompt tokens served from a cache (a session's KV cache, an API's prompt cache) instead
  // of being evaluated again. Included in prompt_tokens.
  std::int64_t cached_prompt_tokens = 0;
};

struct Timings {
  double time_to_first_token_ms = 0;  // from the call to the first chunk
  double total_ms = 0;
  double prompt_tokens_per_second = 0;  // evaluated prompt tokens over the time to first token
  double tokens_per_second = 0;         // completion tokens after the first, over their time
};

struct Completion {
  std::string text;
  std::vector<ToolCall> tool_calls;
  FinishReason finish_reason = FinishReason::stop;
  std::optional<Error> error;  // set exactly when finish_reason == error
  Usage usage;
  Timings timings;

  // The reply as a message to append to the conversation.
  Message message() const { return Message::assistant(text, tool_calls); }
};

}  // namespace switchboard
