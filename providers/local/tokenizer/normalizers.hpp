#pragma once
// Normalizers: text → text before anything is split (tokenizer.json "normalizer").
// Supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence.

#include <memory>
#include <string>

#include "json_field.hpp"

namespace switchboard::local {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

// Builds the normalizer `spec` describes; Error(model_format) naming the field for an unknown type.
std::unique_ptr<Normalizer> make_normalizer(const JsonField& spec);

}  // namespace switchboard::local
