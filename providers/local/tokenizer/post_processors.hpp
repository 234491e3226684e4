#pragma once
// Post-processors: what encode(text, add_special_tokens=true) wraps around the ids
// (tokenizer.json "post_processor"). Supported: TemplateProcessing, ByteLevel, RobertaProcessing,
// BertProcessing, Sequence. Only single sequences are encoded, so pair templates are not used.

#include <cstdint>
#include <memory>
#include <vector>

#include "json_field.hpp"

namespace switchboard::local {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual std::vector<int32_t> process(std::vector<int32_t> ids, bool add_special_tokens) const = 0;
};

std::unique_ptr<PostProcessor> make_post_processor(const JsonField& spec);

}  // namespace switchboard::local
