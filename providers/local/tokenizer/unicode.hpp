#pragma once
// The Unicode the tokenizer needs and nothing more: UTF-8 decoding that never reads past the end,
// Rust-compatible lossy decoding, normalization forms, lowercase and the White_Space property.
// Tables come from unicode_tables.inc (generated from the Unicode Character Database, see
// tools/generate_unicode_tables.cpp); no ICU.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::local::unicode {

// Decodes the code point that starts at `position` of valid UTF-8 and moves `position` past it.
// Callers validate first (see first_invalid_utf8); on invalid bytes it returns U+FFFD, one byte on.
char32_t next_code_point(std::string_view text, size_t& position) noexcept;

void append_utf8(std::string& out, char32_t code_point);

// The byte offset of the first malformed UTF-8 sequence, or nullopt when the text is valid.
std::optional<size_t> first_invalid_utf8(std::string_view bytes) noexcept;

// Like Rust's String::from_utf8_lossy (which Hugging Face tokenizers uses): each maximal invalid
// subpart becomes one U+FFFD.
std::string decode_utf8_lossy(std::string_view bytes);

// Unicode's White_Space property (what Rust's char::is_whitespace tests).
bool is_whitespace(char32_t code_point) noexcept;

enum class NormalForm { nfc, nfd, nfkc, nfkd };
std::string normalize(std::string_view valid_utf8, NormalForm form);

// Per-character full lowercase mapping, as Rust's char::to_lowercase (no context rules).
std::string to_lowercase(std::string_view valid_utf8);

}  // namespace switchboard::local::unicode
