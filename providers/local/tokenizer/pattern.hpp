#pragma once
// The {"String": "..."} / {"Regex": "..."} pattern object that Split, Replace and friends share.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_field.hpp"
#include "regex.hpp"

namespace switchboard::local {

class Pattern {
 public:
  static Pattern from_json(const JsonField& spec);
  static Pattern literal(std::string text) { return Pattern(std::move(text), std::nullopt); }
  static Pattern regex(std::string_view expression) { return Pattern("", Regex(expression)); }

  // Non-overlapping matches, left to right, as byte ranges.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;
  std::string replace_all(std::string_view text, std::string_view replacement) const;

 private:
  Pattern(std::string literal, std::optional<Regex> regex) : literal_(std::move(literal)), regex_(std::move(regex)) {}
  std::string literal_;
  std::optional<Regex> regex_;
};

}  // namespace switchboard::local
