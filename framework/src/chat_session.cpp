#include "switchboard/chat_session.hpp"

#include "switchboard/error.hpp"

namespace switchboard {

ChatSession::ChatSession(std::shared_ptr<Model> model, GenerationOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  if (!model_) throw Error(ErrorCategory::invalid_request, "ChatSession needs a model");
}

void ChatSession::set_system(std::string text) {
  if (!messages_.empty() && messages_.front().role == Role::system)
    messages_.front().content = std::move(text);
  else
    messages_.insert(messages_.begin(), Message::system(std::move(text)));
}

Completion ChatSession::send(std::string user_text, const ChunkSink& on_chunk, std::stop_token stop) {
  const auto rollback_size = messages_.size();
  messages_.push_back(Message::user(std::move(user_text)));
  return continue_conversation(rollback_size, on_chunk, std::move(stop));
}

Completion ChatSession::send_tool_result(std::string call_id, std::string result, const ChunkSink& on_chunk,
                                         std::stop_token stop) {
  const auto rollback_size = messages_.size();
  messages_.push_back(Message::tool(std::move(call_id), std::move(result)));
  return continue_conversation(rollback_size, on_chunk, std::move(stop));
}

Completion ChatSession::continue_conversation(std::size_t rollback_size, const ChunkSink& on_chunk,
                                              std::stop_token stop) {
  Request request{messages_, std::nullopt, options_};
  Completion completion = model_->generate(request, on_chunk, std::move(stop));
  const bool nothing_to_keep = completion.text.empty() && completion.tool_calls.empty();
  if (completion.finish_reason == FinishReason::error ||
      (completion.finish_reason == FinishReason::cancelled && nothing_to_keep)) {
    messages_.resize(rollback_size);  // the turn did not happen
  } else {
    messages_.push_back(completion.message());
  }
  return completion;
}

void ChatSession::clear() {
  const bool has_system = !messages_.empty() && messages_.front().role == Role::system;
  messages_.resize(has_system ? 1 : 0);
}

}  // namespace switchboard
