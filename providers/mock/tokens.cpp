#include "tokens.hpp"

namespace switchboard::mock {

bool is_whitespace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::size_t token_end(std::string_view text, std::size_t begin) noexcept {
  std::size_t end = begin;
  while (end < text.size() && is_whitespace(text[end])) ++end;
  while (end < text.size() && !is_whitespace(text[end])) ++end;
  return end;
}

std::int64_t count_tokens(std::string_view text) noexcept {
  std::int64_t count = 0;
  for (std::size_t at = 0; at < text.size(); at = token_end(text, at)) ++count;
  return count;
}

}  // namespace switchboard::mock
