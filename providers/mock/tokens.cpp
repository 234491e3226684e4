#include "tokens.hpp"

namespace switchboard::mock {
namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

std::size_t token_end(std::string_view text, std::size_t begin) noexcept {
  std::size_t end = begin;
  while (end < text.size() && is_space(text[end])) ++end;
  while (end < text.size() && !is_space(text[end])) ++end;
  return end;
}

std::int64_t count_tokens(std::string_view text) noexcept {
  std::int64_t count = 0;
  for (std::size_t at = 0; at < text.size(); at = token_end(text, at)) ++count;
  return count;
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = token_end(text, at);
    tokens.push_back(text.substr(at, end - at));
    at = end;
  }
  return tokens;
}

}  // namespace switchboard::mock
