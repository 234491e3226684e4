#pragma once
// A Request turned into token ids: through the folder's chat template, or raw.

#include <cstdint>
#include <vector>

#include <switchboard/request.hpp>

#include "plugin/loaded_model.hpp"

namespace switchboard::local {

// Raw prompts are encoded with the tokenizer's special tokens (BOS); rendered chat prompts
// without, as transformers' apply_chat_template does (the template writes them itself).
// Folders without a chat template get the messages' contents joined by blank lines.
// Throws Error(invalid_request) when the template refuses the conversation.
std::vector<std::int32_t> prompt_tokens(const LoadedModel& model, const Request& request);

}  // namespace switchboard::local
