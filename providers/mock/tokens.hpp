#pragma once
// The mock's tokenizer, the same for prompts and replies so that usage counts are predictable:
// a token is a run of whitespace followed by a run of anything else, so "Hello, big world"
// is "Hello,", " big", " world". Whitespace is ASCII (space, \t, \n, \v, \f, \r); bytes of
// multi-byte UTF-8 characters are never whitespace, so a character is never split.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchboard::mock {

bool is_whitespace(char c) noexcept;

// Where the token that starts at `begin` ends (one past its last byte). `begin` < text.size().
std::size_t token_end(std::string_view text, std::size_t begin) noexcept;

std::int64_t count_tokens(std::string_view text) noexcept;

}  // namespace switchboard::mock
