#pragma once
// Decoders: token strings → text (tokenizer.json "decoder"). Each works on the list of token
// strings, as Hugging Face's decode_chain does, and the results are joined at the end.
// Supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json_field.hpp"

namespace switchboard::local {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
  // Whether "<0xXX>" tokens become raw bytes that only make sense with their neighbours.
  virtual bool uses_byte_fallback() const { return false; }
};

std::unique_ptr<Decoder> make_decoder(const JsonField& spec);

// The byte a "<0xXX>" token stands for under ByteFallback, or nullopt for any other token.
std::optional<unsigned char> byte_fallback_value(std::string_view token);

}  // namespace switchboard::local
