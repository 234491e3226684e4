#include "streaming_detokenizer.hpp"

#include <span>

namespace switchboard::local {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool ends_with_replacement(const std::string& text) {
  return text.size() >= kReplacement.size() && text.compare(text.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {}

bool StreamingDetokenizer::kept_by_decode(int32_t id) const {
  return tokenizer_->id_to_token(id).has_value() && !(skip_special_tokens_ && tokenizer_->is_special(id));
}

// Text may still change while the last id that decode keeps is a raw byte token (the run of bytes
// is decoded as a whole), or while the text ends in U+FFFD (possibly a character cut in half).
bool StreamingDetokenizer::must_wait() const {
  for (size_t i = all_ids_.size(); i > window_start_; --i) {
    const int32_t id = all_ids_[i - 1];
    if (!kept_by_decode(id)) continue;
    return tokenizer_->is_byte_token(id);
  }
  return false;
}

std::string StreamingDetokenizer::take_new_text(const std::string& window_text) {
  std::string delta;
  if (window_text.compare(0, window_prefix_.size(), window_prefix_) == 0) {
    delta = window_text.substr(window_prefix_.size());
  } else {
    // The window's decoding disagrees with what was returned: fall back to the full decode.
    const std::string full = tokenizer_->decode(all_ids_, skip_special_tokens_);
    delta = full.size() > emitted_bytes_ ? full.substr(emitted_bytes_) : std::string();
  }
  emitted_bytes_ += delta.size();
  return delta;
}

std::string StreamingDetokenizer::push(int32_t id) {
  all_ids_.push_back(id);
  if (must_wait()) return {};
  const std::span<const int32_t> window(all_ids_.data() + window_start_, all_ids_.size() - window_start_);
  const std::string window_text = tokenizer_->decode(window, skip_special_tokens_);
  if (ends_with_replacement(window_text)) return {};
  std::string delta = take_new_text(window_text);
  window_prefix_ = window_text;
  // Restart the window at the last id that decode keeps: the next window then decodes it as its
  // first token, exactly as this one did not, but both sides of the comparison see it that way.
  for (size_t i = all_ids_.size(); i > window_start_ + 1; --i) {
    if (!kept_by_decode(all_ids_[i - 1])) continue;
    window_start_ = i - 1;
    window_prefix_ = tokenizer_->decode(std::span<const int32_t>(all_ids_.data() + window_start_,
                                                                 all_ids_.size() - window_start_),
                                        skip_special_tokens_);
    break;
  }
  return delta;
}

std::string StreamingDetokenizer::finish() {
  const std::span<const int32_t> window(all_ids_.data() + window_start_, all_ids_.size() - window_start_);
  std::string delta = take_new_text(tokenizer_->decode(window, skip_special_tokens_));
  all_ids_.clear();
  emitted_bytes_ = 0;
  window_start_ = 0;
  window_prefix_.clear();
  return delta;
}

}  // namespace switchboard::local
