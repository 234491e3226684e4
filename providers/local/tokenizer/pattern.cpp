#include "pattern.hpp"

#include <stdexcept>

namespace switchboard::local {

Pattern Pattern::from_json(const JsonField& spec) {
  if (const auto literal = spec.optional("String")) return Pattern(literal->string(), std::nullopt);
  if (const auto expression = spec.optional("Regex")) {
    try {
      return Pattern("", Regex(expression->string()));
    } catch (const std::invalid_argument& error) {
      expression->fail(error.what());
    }
  }
  spec.expected("{\"String\": ...} or {\"Regex\": ...}");
}

std::vector<std::pair<size_t, size_t>> Pattern::find_all(std::string_view text) const {
  if (regex_) return regex_->find_all(text);
  std::vector<std::pair<size_t, size_t>> matches;
  if (literal_.empty()) return matches;
  for (size_t at = text.find(literal_); at != std::string_view::npos; at = text.find(literal_, at + literal_.size())) {
    matches.emplace_back(at, at + literal_.size());
  }
  return matches;
}

std::string Pattern::replace_all(std::string_view text, std::string_view replacement) const {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (const auto& [start, end] : find_all(text)) {
    out.append(text.substr(copied, start - copied));
    out.append(replacement);
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace switchboard::local
