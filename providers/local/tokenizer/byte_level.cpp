#include "byte_level.hpp"

#include "unicode.hpp"

namespace switchboard::local::byte_level {
namespace {

struct Table {
  std::array<std::string, 256> spelling;
  std::array<char32_t, 256> code_point{};
  std::string bytes_from_u0100;  // the unprintable bytes, in the order they were numbered from U+0100

  Table() {
    char32_t next_unprintable = 0x100;
    for (int byte = 0; byte < 256; ++byte) {
      const bool printable = (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE);
      if (!printable) bytes_from_u0100.push_back(static_cast<char>(byte));
      code_point[byte] = printable ? static_cast<char32_t>(byte) : next_unprintable++;
      unicode::append_utf8(spelling[byte], code_point[byte]);
    }
  }
};

const Table& table() {
  static const Table instance;
  return instance;
}

}  // namespace

void encode(std::string_view text, std::string& out) {
  const Table& t = table();
  for (const char c : text) out += t.spelling[static_cast<unsigned char>(c)];
}

std::optional<unsigned char> byte_for_char(char32_t code_point) {
  if (code_point < 0x100) {
    const bool printable = (code_point >= '!' && code_point <= '~') || (code_point >= 0xA1 && code_point <= 0xAC) ||
                           (code_point >= 0xAE);
    if (printable) return static_cast<unsigned char>(code_point);
    return std::nullopt;
  }
  const std::string& bytes = table().bytes_from_u0100;
  if (code_point - 0x100 < bytes.size()) return static_cast<unsigned char>(bytes[code_point - 0x100]);
  return std::nullopt;
}

}  // namespace switchboard::local::byte_level
