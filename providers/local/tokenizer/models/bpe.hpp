#pragma once
// The BPE model of tokenizer.json ("model": {"type": "BPE", ...}): a vocabulary, ranked merges,
// and the options byte-level (GPT-2, Llama 3, Qwen) and SentencePiece-style (Llama 2, Mistral,
// Phi-3) tokenizers use: byte_fallback, unk_token with fuse_unk, ignore_merges,
// continuing_subword_prefix and end_of_word_suffix. Dropout is refused (encoding must be
// deterministic).

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../json_field.hpp"
#include "piece_cache.hpp"

namespace switchboard::local {

class BpeModel {
 public:
  static std::unique_ptr<BpeModel> from_json(const JsonField& model);

  // Appends the ids of one pre-tokenized piece. Safe to call from many threads at once.
  void tokenize(std::string_view piece, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string_view> id_to_token(int32_t id) const;  // nullopt for ids the vocabulary lacks
  size_t id_limit() const { return id_present_.size(); }  // one past the highest id
  const std::optional<std::string>& unk_token() const { return unk_token_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  struct Merge {
    uint64_t pair = kNoPair;  // pair_key(left, right)
    uint32_t rank = 0;
    int32_t merged_id = 0;
  };
  static constexpr uint64_t kNoPair = ~uint64_t{0};  // ids are never negative, so no pair has this key
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  void add_merge(const Merge& merge);  // a later merge of the same pair replaces the earlier
  const Merge* find_merge(int32_t left, int32_t right) const;

  void split_into_symbols(std::string_view piece, std::vector<int32_t>& symbols, std::vector<uint32_t>& lengths) const;
  void merge(std::vector<int32_t>& symbols, std::vector<uint32_t>& lengths) const;

  void index_vocabulary();
  std::string_view text_of(size_t id) const {
    return std::string_view(token_bytes_).substr(token_starts_[id], token_starts_[id + 1] - token_starts_[id]);
  }

  // token → id as an open-addressing table of ids whose text lives in token_bytes_: a
  // 150k-token vocabulary costs 1 MiB here instead of 11 in a node-based map.
  std::vector<int32_t> vocab_slots_;  // -1 = empty
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> vocab_aliases_;  // further tokens for an id already taken
  // Every id's text end to end, id i's from token_starts_[i] to token_starts_[i + 1]: a
  // 151k-token vocabulary in 1.7 MiB, where a std::string per id took 4.6.
  std::string token_bytes_;
  std::vector<uint32_t> token_starts_;  // id_limit() + 1 of them
  std::vector<bool> id_present_;
  // (left, right) → merge, open addressing: 150k merges cost 4 MiB here instead of ~7 in a node-based map.
  std::vector<Merge> merge_slots_;
  std::optional<std::string> unk_token_;
  std::optional<int32_t> unk_id_;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::array<int32_t, 256> byte_fallback_ids_{};  // the id of "<0xXX>", or -1
  PieceCache cache_;
};

}  // namespace switchboard::local
