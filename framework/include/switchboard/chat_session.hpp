#pragma once
// A conversation over any Model: keeps the messages and appends each reply.

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "switchboard/model.hpp"

namespace switchboard {

// Thread safety: one ChatSession belongs to one thread at a time; distinct sessions over the
// same Model may be used concurrently. A stop request may come from any thread.
class ChatSession {
 public:
  explicit ChatSession(std::shared_ptr<Model> model, GenerationOptions options = {});

  void set_system(std::string text);  // replaces the system message, if any
  const std::vector<Message>& messages() const { return messages_; }
  GenerationOptions& options() { return options_; }

  // Appends the user message, generates, and appends the reply unless it failed or was
  // cancelled before any text (a failed turn leaves the history as it was before the call).
  Completion send(std::string user_text, const ChunkSink& on_chunk = {}, std::stop_token stop = {});
  // For tool results: appends a tool message and lets the model continue.
  Completion send_tool_result(std::string call_id, std::string result, const ChunkSink& on_chunk = {},
                              std::stop_token stop = {});

  void clear();  // forgets everything but the system message

 private:
  Completion continue_conversation(std::size_t rollback_size, const ChunkSink& on_chunk, std::stop_token stop);

  std::shared_ptr<Model> model_;
  GenerationOptions options_;
  std::vector<Message> messages_;
};

}  // namespace switchboard
