#include "bpe.hpp"

#include <cstdio>
#include <queue>

#include "../unicode.hpp"

namespace switchboard::local {
namespace {

std::pair<std::string, std::string> parse_merge(const JsonField& entry) {
  if (entry.is_string()) {
    // The older format: "left right"; tokens never contain a plain space in these files.
    const std::string text = entry.string();
    const size_t space = text.find(' ');
    if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
      entry.expected("two tokens separated by one space");
    }
    return {text.substr(0, space), text.substr(space + 1)};
  }
  if (entry.is_array() && entry.size() == 2) return {entry.at(0).string(), entry.at(1).string()};
  entry.expected("\"left right\" or [\"left\", \"right\"]");
}

}  // namespace

std::unique_ptr<BpeModel> BpeModel::from_json(const JsonField& model) {
  auto bpe = std::make_unique<BpeModel>();
  if (const auto dropout = model.optional("dropout")) {
    if (!dropout->json().is_number() || dropout->json().get<double>() != 0.0) {
      dropout->fail("BPE dropout makes encoding random and is not supported");
    }
  }
  if (const auto prefix = model.optional("continuing_subword_prefix")) bpe->continuing_subword_prefix_ = prefix->string();
  if (const auto suffix = model.optional("end_of_word_suffix")) bpe->end_of_word_suffix_ = suffix->string();
  bpe->fuse_unk_ = model.boolean_or("fuse_unk", false);
  bpe->byte_fallback_ = model.boolean_or("byte_fallback", false);
  bpe->ignore_merges_ = model.boolean_or("ignore_merges", false);

  const JsonField vocab = model["vocab"];
  if (!vocab.is_object()) vocab.expected("an object mapping tokens to ids");
  int64_t highest = -1;
  for (const auto& [token, id] : vocab.json().items()) {
    // Building a JsonField per entry would cost a path string for each of 150k tokens.
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > JsonField::kMaxTokenId) {
      JsonField(id, vocab.file(), vocab.path() + "[\"" + token + "\"]").token_id();
    }
    highest = std::max(highest, id.get<int64_t>());
  }
  const auto ids = static_cast<size_t>(highest + 1);
  std::vector<std::string_view> texts(ids);  // into the JSON's keys, which outlive this function's use of them
  bpe->id_present_.resize(ids);
  size_t total_bytes = 0;
  for (const auto& [token, id] : vocab.json().items()) {
    const auto value = static_cast<int32_t>(id.get<int64_t>());
    if (bpe->id_present_[value]) {
      bpe->vocab_aliases_.emplace(token, value);
      continue;
    }
    texts[value] = token;
    total_bytes += token.size();
    bpe->id_present_[value] = true;
  }
  if (total_bytes > UINT32_MAX) vocab.expected("tokens of at most 4 GiB in all");
  bpe->token_bytes_.reserve(total_bytes);
  bpe->token_starts_.reserve(ids + 1);
  for (const std::string_view text : texts) {
    bpe->token_starts_.push_back(static_cast<uint32_t>(bpe->token_bytes_.size()));
    bpe->token_bytes_ += text;
  }
  bpe->token_starts_.push_back(static_cast<uint32_t>(bpe->token_bytes_.size()));
  bpe->index_vocabulary();

  const JsonField merges = model["merges"];
  if (!merges.is_array()) merges.expected("an array of merges");
  std::size_t slots = 1;
  while (slots < merges.size() + merges.size() / 2 + 1) slots *= 2;  // at most two thirds full
  bpe->merge_slots_.assign(slots, Merge{});
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const JsonField entry = merges.at(rank);
    const auto [left, right] = parse_merge(entry);
    const auto left_id = bpe->token_to_id(left);
    const auto right_id = bpe->token_to_id(right);
    std::string merged = left;
    merged += right.rfind(bpe->continuing_subword_prefix_, 0) == 0 ? right.substr(bpe->continuing_subword_prefix_.size())
                                                                   : right;
    const auto merged_id = bpe->token_to_id(merged);
    const auto require = [&](const std::optional<int32_t>& id, const std::string& token) {
      if (!id) entry.fail("merge uses token \"" + token + "\", which is not in model.vocab");
    };
    require(left_id, left);
    require(right_id, right);
    require(merged_id, merged);
    bpe->add_merge(Merge{pair_key(*left_id, *right_id), static_cast<uint32_t>(rank), *merged_id});
  }

  if (const auto unk = model.optional("unk_token")) {
    bpe->unk_token_ = unk->string();
    bpe->unk_id_ = bpe->token_to_id(*bpe->unk_token_);
    if (!bpe->unk_id_) unk->fail("unk_token \"" + *bpe->unk_token_ + "\" is not in model.vocab");
  }
  for (int byte = 0; byte < 256; ++byte) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", byte);
    bpe->byte_fallback_ids_[byte] = bpe->token_to_id(name).value_or(-1);
  }
  return bpe;
}

namespace {

std::size_t merge_slot(uint64_t pair, std::size_t slots) {
  return static_cast<std::size_t>((pair * 0x9E3779B97F4A7C15ull) >> 32) & (slots - 1);  // Fibonacci hashing
}

}  // namespace

void BpeModel::add_merge(const Merge& merge) {
  for (std::size_t i = merge_slot(merge.pair, merge_slots_.size());; i = (i + 1) & (merge_slots_.size() - 1)) {
    Merge& slot = merge_slots_[i];
    if (slot.pair == kNoPair || slot.pair == merge.pair) {
      slot = merge;
      return;
    }
  }
}

const BpeModel::Merge* BpeModel::find_merge(int32_t left, int32_t right) const {
  if (merge_slots_.empty()) return nullptr;
  const uint64_t pair = pair_key(left, right);
  for (std::size_t i = merge_slot(pair, merge_slots_.size());; i = (i + 1) & (merge_slots_.size() - 1)) {
    const Merge& slot = merge_slots_[i];
    if (slot.pair == pair) return &slot;
    if (slot.pair == kNoPair) return nullptr;
  }
}

void BpeModel::index_vocabulary() {
  size_t slots = 16;
  while (slots < id_limit() + id_limit() / 2) slots *= 2;  // at most 2/3 full
  vocab_slots_.assign(slots, -1);
  for (size_t id = 0; id < id_limit(); ++id) {
    if (!id_present_[id]) continue;
    size_t slot = Hash{}(text_of(id)) & (slots - 1);
    while (vocab_slots_[slot] >= 0) slot = (slot + 1) & (slots - 1);
    vocab_slots_[slot] = static_cast<int32_t>(id);
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  if (!vocab_slots_.empty()) {
    const size_t mask = vocab_slots_.size() - 1;
    for (size_t slot = Hash{}(token) & mask; vocab_slots_[slot] >= 0; slot = (slot + 1) & mask)
      if (text_of(static_cast<size_t>(vocab_slots_[slot])) == token) return vocab_slots_[slot];
  }
  const auto alias = vocab_aliases_.find(token);
  if (alias == vocab_aliases_.end()) return std::nullopt;
  return alias->second;
}

std::optional<std::string_view> BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_limit() || !id_present_[id]) return std::nullopt;
  return text_of(static_cast<size_t>(id));
}

// One symbol per character (with the subword prefix/suffix where configured). Characters missing
// from the vocabulary become byte tokens, or unk (fused into one when fuse_unk), or vanish when the
// model has neither: exactly Hugging Face's BPE::merge_word.
void BpeModel::split_into_symbols(std::string_view piece, std::vector<int32_t>& symbols,
                                  std::vector<uint32_t>& lengths) const {
  std::optional<std::pair<int32_t, uint32_t>> pending_unk;  // id and byte length
  std::string decorated;
  for (size_t position = 0; position < piece.size();) {
    const size_t start = position;
    unicode::next_code_point(piece, position);
    const auto byte_length = static_cast<uint32_t>(position - start);
    std::string_view character = piece.substr(start, byte_length);
    if ((start > 0 && !continuing_subword_prefix_.empty()) || (position == piece.size() && !end_of_word_suffix_.empty())) {
      decorated.assign(start > 0 ? continuing_subword_prefix_ : "");
      decorated.append(character);
      if (position == piece.size()) decorated.append(end_of_word_suffix_);
      character = decorated;
    }
    if (const auto id = token_to_id(character)) {
      if (pending_unk) {
        symbols.push_back(pending_unk->first), lengths.push_back(pending_unk->second);
        pending_unk.reset();
      }
      symbols.push_back(*id), lengths.push_back(byte_length);
      continue;
    }
    if (byte_fallback_) {
      bool all_bytes_known = true;
      for (const char c : character) all_bytes_known = all_bytes_known && byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0;
      if (all_bytes_known) {
        for (const char c : character) symbols.push_back(byte_fallback_ids_[static_cast<unsigned char>(c)]), lengths.push_back(1);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk && fuse_unk_) {
        pending_unk->second += byte_length;
      } else {
        if (pending_unk) symbols.push_back(pending_unk->first), lengths.push_back(pending_unk->second);
        pending_unk = std::pair{*unk_id_, byte_length};
      }
    }
  }
  if (pending_unk) symbols.push_back(pending_unk->first), lengths.push_back(pending_unk->second);
}

// Applies merges lowest rank first (leftmost among equal ranks) with a priority queue; entries
// made stale by an earlier merge are recognised and skipped when popped.
void BpeModel::merge(std::vector<int32_t>& symbols, std::vector<uint32_t>& lengths) const {
  const size_t count = symbols.size();
  if (count < 2) return;
  std::vector<int32_t> previous(count), next(count);
  for (size_t i = 0; i < count; ++i) {
    previous[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < count ? static_cast<int32_t>(i + 1) : -1;
  }
  struct Candidate {
    uint32_t rank;
    int32_t position;
    int32_t merged_id;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto consider = [&](int32_t left) {
    const int32_t right = next[left];
    if (right < 0) return;
    if (const Merge* found = find_merge(symbols[left], symbols[right])) queue.push({found->rank, left, found->merged_id});
  };
  for (size_t i = 0; i + 1 < count; ++i) consider(static_cast<int32_t>(i));

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    const int32_t left = top.position;
    if (lengths[left] == 0 || next[left] < 0) continue;
    const int32_t right = next[left];
    const Merge* current = find_merge(symbols[left], symbols[right]);
    if (!current || current->merged_id != top.merged_id) continue;  // stale
    symbols[left] = top.merged_id;
    lengths[left] += lengths[right];
    lengths[right] = 0;
    next[left] = next[right];
    if (next[right] >= 0) previous[next[right]] = left;
    if (previous[left] >= 0) consider(previous[left]);
    consider(left);
  }
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    if (lengths[i] != 0) symbols[kept] = symbols[i], lengths[kept] = lengths[i], ++kept;
  }
  symbols.resize(kept);
  lengths.resize(kept);
}

void BpeModel::tokenize(std::string_view piece, std::vector<int32_t>& ids) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (const auto id = token_to_id(piece)) {
      ids.push_back(*id);
      return;
    }
  }
  if (cache_.find(piece, ids)) return;
  std::vector<int32_t> symbols;
  std::vector<uint32_t> lengths;
  symbols.reserve(piece.size());
  lengths.reserve(piece.size());
  split_into_symbols(piece, symbols, lengths);
  merge(symbols, lengths);
  cache_.insert(piece, symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

}  // namespace switchboard::local
