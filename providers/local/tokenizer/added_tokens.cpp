#include "added_tokens.hpp"

#include <algorithm>

#include "regex.hpp"
#include "unicode.hpp"

namespace switchboard::local {
namespace {

// The code point that ends just before `end`.
char32_t code_point_before(std::string_view text, size_t end) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return unicode::next_code_point(text, start);
}

// Regex's \w with Unicode properties, as Hugging Face's single_word check uses.
bool is_word_character(std::string_view character) {
  static const Regex word(R"(\w)");
  return word.matches_whole(character);
}

bool ends_with_word(std::string_view text) {
  if (text.empty()) return false;
  size_t start = text.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return is_word_character(text.substr(start));
}

bool starts_with_word(std::string_view text) {
  if (text.empty()) return false;
  size_t end = 0;
  unicode::next_code_point(text, end);
  return is_word_character(text.substr(0, end));
}

}  // namespace

AddedToken parse_added_token(const JsonField& entry) {
  AddedToken token;
  token.id = entry["id"].token_id();
  token.content = entry["content"].string();
  if (token.content.empty()) entry["content"].expected("a non-empty string");
  token.special = entry.boolean_or("special", false);
  token.lstrip = entry.boolean_or("lstrip", false);
  token.rstrip = entry.boolean_or("rstrip", false);
  token.normalized = entry.boolean_or("normalized", !token.special);
  token.single_word = entry.boolean_or("single_word", false);
  return token;
}

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens, std::vector<std::string> patterns)
    : tokens_(std::move(tokens)), patterns_(std::move(patterns)) {
  for (uint32_t i = 0; i < patterns_.size(); ++i) {
    if (!patterns_[i].empty()) by_first_byte_[static_cast<unsigned char>(patterns_[i][0])].push_back(i);
  }
  for (auto& candidates : by_first_byte_) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [this](uint32_t a, uint32_t b) { return patterns_[a].size() > patterns_[b].size(); });
  }
}

std::optional<size_t> AddedTokenMatcher::longest_match_at(std::string_view text, size_t position) const {
  for (const uint32_t candidate : by_first_byte_[static_cast<unsigned char>(text[position])]) {
    if (text.compare(position, patterns_[candidate].size(), patterns_[candidate]) == 0) return candidate;
  }
  return std::nullopt;
}

// Hugging Face's AddedVocabulary::find_matches, with the same flag handling.
std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<TextSegment> segments;
  size_t copied = 0;  // everything before this is already in `segments`
  for (size_t position = 0; position < text.size();) {
    const auto candidate = longest_match_at(text, position);
    if (!candidate) {
      ++position;
      continue;
    }
    const AddedToken& token = tokens_[*candidate];
    size_t start = position;
    size_t stop = position + patterns_[*candidate].size();
    position = stop;  // matches never overlap, whatever the flags decide below
    if (start < copied) continue;
    if (token.single_word && (ends_with_word(text.substr(0, start)) || starts_with_word(text.substr(stop)))) continue;
    if (token.lstrip) {
      while (start > copied && unicode::is_whitespace(code_point_before(text, start))) {
        do --start;
        while ((static_cast<unsigned char>(text[start]) & 0xC0) == 0x80);
      }
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t after = stop;
        if (!unicode::is_whitespace(unicode::next_code_point(text, after))) break;
        stop = after;
      }
    }
    if (copied < start) segments.push_back({copied, start, std::nullopt});
    segments.push_back({start, stop, token.id});
    copied = stop;
  }
  if (copied < text.size()) segments.push_back({copied, text.size(), std::nullopt});
  return segments;
}

}  // namespace switchboard::local
