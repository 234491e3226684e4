#pragma once
// GPT-2's byte-to-character table: every byte gets a printable character so that byte-level BPE
// vocabularies are plain strings. Printable Latin-1 bytes map to themselves; the rest to U+0100+.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace switchboard::local::byte_level {

// Appends the byte-level spelling of every byte of `text`.
void encode(std::string_view text, std::string& out);

// The byte a character stands for, or nullopt for characters outside the table.
std::optional<unsigned char> byte_for_char(char32_t code_point);

}  // namespace switchboard::local::byte_level
