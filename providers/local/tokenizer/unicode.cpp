#include "unicode.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>

namespace switchboard::local::unicode {
namespace {

struct CombiningClass {
  uint32_t code_point;
  uint8_t value;
};
struct Decomposition {
  uint32_t code_point;
  uint16_t offset;  // into the matching pool
  uint8_t length;
};
struct Composition {
  uint32_t first, second, composite;
};
struct CaseMapping {
  uint32_t code_point, mapped;
};

#include "unicode_tables.inc"

// Hangul syllables are decomposed and composed arithmetically (Unicode chapter 3.12).
constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100, kHangulVBase = 0x1161, kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount, kHangulSCount = kHangulLCount * kHangulNCount;

uint8_t combining_class(char32_t code_point) noexcept {
  if (code_point < 0x300) return 0;
  const auto found = std::lower_bound(std::begin(kCombiningClasses), std::end(kCombiningClasses), code_point,
                                      [](const CombiningClass& entry, char32_t cp) { return entry.code_point < cp; });
  return found != std::end(kCombiningClasses) && found->code_point == code_point ? found->value : 0;
}

template <size_t N>
const Decomposition* find_decomposition(const Decomposition (&table)[N], char32_t code_point) noexcept {
  const auto found = std::lower_bound(std::begin(table), std::end(table), code_point,
                                      [](const Decomposition& entry, char32_t cp) { return entry.code_point < cp; });
  return found != std::end(table) && found->code_point == code_point ? found : nullptr;
}

void append_hangul_or_self(std::u32string& out, char32_t code_point) {
  if (code_point >= kHangulSBase && code_point < kHangulSBase + kHangulSCount) {
    const char32_t index = code_point - kHangulSBase;
    out.push_back(kHangulLBase + index / kHangulNCount);
    out.push_back(kHangulVBase + (index % kHangulNCount) / kHangulTCount);
    if (index % kHangulTCount != 0) out.push_back(kHangulTBase + index % kHangulTCount);
  } else {
    out.push_back(code_point);
  }
}

void append_decomposed(std::u32string& out, char32_t code_point, bool compatibility) {
  const Decomposition* entry = compatibility ? find_decomposition(kCompatibilityDecompositions, code_point)
                                             : find_decomposition(kCanonicalDecompositions, code_point);
  if (entry == nullptr) {
    append_hangul_or_self(out, code_point);
    return;
  }
  const uint32_t* pool = compatibility ? kCompatibilityDecompositionsPool : kCanonicalDecompositionsPool;
  for (size_t i = 0; i < entry->length; ++i) append_hangul_or_self(out, pool[entry->offset + i]);
}

// Canonical ordering: a stable sort of each run of non-starters by combining class.
void reorder_marks(std::u32string& text) {
  for (size_t i = 1; i < text.size(); ++i) {
    const uint8_t klass = combining_class(text[i]);
    if (klass == 0) continue;
    size_t j = i;
    while (j > 0) {
      const uint8_t previous = combining_class(text[j - 1]);
      if (previous == 0 || previous <= klass) break;
      std::swap(text[j - 1], text[j]);
      --j;
    }
  }
}

std::optional<char32_t> compose_pair(char32_t first, char32_t second) noexcept {
  if (first >= kHangulLBase && first < kHangulLBase + kHangulLCount && second >= kHangulVBase &&
      second < kHangulVBase + kHangulVCount) {
    return kHangulSBase + ((first - kHangulLBase) * kHangulVCount + (second - kHangulVBase)) * kHangulTCount;
  }
  if (first >= kHangulSBase && first < kHangulSBase + kHangulSCount && (first - kHangulSBase) % kHangulTCount == 0 &&
      second > kHangulTBase && second < kHangulTBase + kHangulTCount) {
    return first + (second - kHangulTBase);
  }
  const auto found = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::pair{first, second},
                                      [](const Composition& entry, std::pair<char32_t, char32_t> key) {
                                        return std::pair<char32_t, char32_t>{entry.first, entry.second} < key;
                                      });
  if (found != std::end(kCompositions) && found->first == first && found->second == second) return found->composite;
  return std::nullopt;
}

// The canonical composition algorithm of UAX #15, in place.
void compose(std::u32string& text) {
  if (text.empty()) return;
  size_t starter = 0;
  int last_class = combining_class(text[0]) == 0 ? 0 : 256;  // a leading mark blocks everything after it
  size_t written = 1;
  for (size_t read = 1; read < text.size(); ++read) {
    const char32_t code_point = text[read];
    const int klass = combining_class(code_point);
    const auto composite = last_class == 256 ? std::nullopt : compose_pair(text[starter], code_point);
    if (composite && (last_class < klass || last_class == 0)) {
      text[starter] = *composite;
      continue;
    }
    if (klass == 0) starter = written;
    last_class = klass;
    text[written++] = code_point;
  }
  text.resize(written);
}

// Text made only of bytes below a limit is already in the normal form: below U+0300 nothing
// combines (so NFC has nothing to do), below U+00C0 nothing decomposes canonically, and ASCII
// has no compatibility decompositions either.
bool unchanged_by(std::string_view text, NormalForm form) noexcept {
  const unsigned char limit = form == NormalForm::nfc ? 0xCC : form == NormalForm::nfd ? 0xC3 : 0x80;
  return std::all_of(text.begin(), text.end(), [limit](char c) { return static_cast<unsigned char>(c) < limit; });
}

}  // namespace

char32_t next_code_point(std::string_view text, size_t& position) noexcept {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(position);
  if (lead < 0x80) {
    ++position;
    return lead;
  }
  size_t length = 0;
  char32_t code_point = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code_point = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code_point = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    ++position;
    return 0xFFFD;
  }
  size_t i = 1;
  for (; i < length; ++i) {
    if (position + i >= text.size()) break;
    const unsigned char next = byte(position + i);
    if (next < (i == 1 ? low : 0x80) || next > (i == 1 ? high : 0xBF)) break;
    code_point = (code_point << 6) | (next & 0x3F);
  }
  position += i;  // a maximal subpart when invalid, the whole sequence when valid
  return i == length ? code_point : 0xFFFD;
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::optional<size_t> first_invalid_utf8(std::string_view bytes) noexcept {
  size_t position = 0;
  while (position < bytes.size()) {
    if (static_cast<unsigned char>(bytes[position]) < 0x80) {
      ++position;
      continue;
    }
    const size_t start = position;
    // A decoded U+FFFD is genuine only when the input spelled it as EF BF BD.
    if (next_code_point(bytes, position) == 0xFFFD && bytes.substr(start, position - start) != "\xEF\xBF\xBD") {
      return start;
    }
  }
  return std::nullopt;
}

std::string decode_utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t position = 0;
  while (position < bytes.size()) {
    const size_t start = position;
    const char32_t code_point = next_code_point(bytes, position);
    if (code_point == 0xFFFD) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(bytes.substr(start, position - start));
    }
  }
  return out;
}

bool is_whitespace(char32_t c) noexcept {
  return (c >= 0x9 && c <= 0xD) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string normalize(std::string_view text, NormalForm form) {
  if (unchanged_by(text, form)) return std::string(text);
  const bool compatibility = form == NormalForm::nfkc || form == NormalForm::nfkd;
  std::u32string code_points;
  code_points.reserve(text.size());
  for (size_t position = 0; position < text.size();) {
    append_decomposed(code_points, next_code_point(text, position), compatibility);
  }
  reorder_marks(code_points);
  if (form == NormalForm::nfc || form == NormalForm::nfkc) compose(code_points);
  std::string out;
  out.reserve(text.size());
  for (const char32_t code_point : code_points) append_utf8(out, code_point);
  return out;
}

std::string to_lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t position = 0; position < text.size();) {
    const char32_t code_point = next_code_point(text, position);
    if (code_point == 0x130) {  // the one unconditional multi-character mapping of SpecialCasing.txt
      out += "i\xCC\x87";
      continue;
    }
    const auto found = std::lower_bound(std::begin(kLowercase), std::end(kLowercase), code_point,
                                        [](const CaseMapping& entry, char32_t cp) { return entry.code_point < cp; });
    append_utf8(out, found != std::end(kLowercase) && found->code_point == code_point ? found->mapped : code_point);
  }
  return out;
}

}  // namespace switchboard::local::unicode
