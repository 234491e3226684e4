#pragma once
// UTF-8 helpers. Python strings are sequences of code points: len(), indexing, slicing and
// reversing count code points, so the engine converts where it has to. Malformed bytes decode to
// U+FFFD instead of failing: a template must never read out of bounds.

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::local::jinja::utf8 {

std::u32string decode(std::string_view text);
std::string encode(std::u32string_view text);
void append(std::string& out, char32_t code_point);
size_t length(std::string_view text);  // in code points

// ASCII-only classification; Unicode case tables are out of scope (see docs/chat_template.md).
inline bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0 || c == 0x2028 || c == 0x2029 ||
         c == 0x3000 || (c >= 0x2000 && c <= 0x200a) || c == 0x1680 || c == 0x202f || c == 0x205f;
}
inline bool is_upper(char32_t c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(char32_t c) { return c >= 'a' && c <= 'z'; }
inline bool is_alpha(char32_t c) { return is_upper(c) || is_lower(c); }
inline bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
inline char32_t to_upper(char32_t c) { return is_lower(c) ? c - 32 : c; }
inline char32_t to_lower(char32_t c) { return is_upper(c) ? c + 32 : c; }

// Python str.splitlines(): splits at \n, \r\n, \r, \v, \f, \x1c-\x1e, U+0085, U+2028, U+2029.
std::vector<std::u32string> split_lines(std::u32string_view text);

}  // namespace switchboard::local::jinja::utf8
