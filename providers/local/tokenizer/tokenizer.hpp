#pragma once
// switchboard::local::Tokenizer: Hugging Face tokenizer.json files, encoded and decoded exactly as
// the `tokenizers` library does (byte-level BPE and SentencePiece-style BPE with byte fallback).
//
//   auto tokenizer = Tokenizer::from_file(folder / "tokenizer.json");
//   std::vector<int32_t> ids = tokenizer.encode("Hello world", /*add_special_tokens=*/true);
//   std::string text = tokenizer.decode(ids, /*skip_special_tokens=*/true);
//
// A Tokenizer is immutable after loading; encode and decode are const and may run on many threads
// at once. Token offsets, pairs of sequences, truncation and padding are not provided.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "added_tokens.hpp"

namespace switchboard::local {

class Normalizer;
class PreTokenizer;
class BpeModel;
class PostProcessor;
class Decoder;
class AddedTokenMatcher;

// Special tokens as tokenizer_config.json names them (absent fields stay empty). `unk` falls back
// to the model's unk_token. add_bos/add_eos are reported, not applied: encode follows the
// post-processor of tokenizer.json, which is what Hugging Face tokenizers does.
struct SpecialTokens {
  std::optional<int32_t> bos, eos, unk, pad;
  std::optional<bool> add_bos, add_eos;
};

class Tokenizer {
 public:
  // Loads tokenizer.json, plus tokenizer_config.json from the same folder when it exists.
  // Throws Error(not_found) for a missing file, Error(model_format) naming the file and field for
  // anything malformed or unsupported.
  static Tokenizer from_file(const std::filesystem::path& tokenizer_json);
  // The same from parsed JSON; `config` may be null. `origin` names the source in error messages.
  static Tokenizer from_json(const nlohmann::json& tokenizer, const nlohmann::json* config,
                             const std::string& origin = "tokenizer.json");

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Throws Error(invalid_request) when `text` is not valid UTF-8.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;
  // Ids that are neither in the vocabulary nor added tokens are skipped, as Hugging Face does.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // One past the highest id of the vocabulary and the added tokens.
  size_t vocab_size() const;

  const SpecialTokens& special_tokens() const { return special_tokens_; }
  std::optional<int32_t> bos_id() const { return special_tokens_.bos; }
  std::optional<int32_t> eos_id() const { return special_tokens_.eos; }
  bool is_special(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const { return added_tokens_; }

  // True for tokens the decoder turns into one raw byte ("<0xXX>" under a ByteFallback decoder):
  // their text depends on the tokens that follow. The streaming detokenizer waits on them.
  bool is_byte_token(int32_t id) const;

 private:
  Tokenizer();
  std::optional<std::string_view> token_text(int32_t id) const;
  void encode_text(std::string_view text, bool at_start, std::vector<int32_t>& ids) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<Decoder> decoder_;
  std::vector<AddedToken> added_tokens_;
  std::vector<int32_t> added_token_index_;  // by id: index into added_tokens_, or -1
  std::unique_ptr<AddedTokenMatcher> raw_matcher_;         // tokens with normalized == false
  std::unique_ptr<AddedTokenMatcher> normalized_matcher_;  // tokens with normalized == true
  SpecialTokens special_tokens_;
};

}  // namespace switchboard::local
