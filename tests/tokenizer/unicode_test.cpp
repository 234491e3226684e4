// Unicode normalization, lowercase and UTF-8 handling, against values from the Unicode standard.

#include <gtest/gtest.h>

#include "unicode.hpp"

namespace switchboard::local::unicode {
namespace {

TEST(UnicodeNormalize, NfcComposesBaseAndCombiningMark) {
  EXPECT_EQ(normalize("e\xCC\x81", NormalForm::nfc), "\xC3\xA9");              // e + U+0301 → é
  EXPECT_EQ(normalize("\xC3\xA9", NormalForm::nfd), "e\xCC\x81");              // é → e + U+0301
}

TEST(UnicodeNormalize, CanonicalOrderingSortsMarksByCombiningClass) {
  // q + dot below (220) + dot above (230) is canonical; the reverse order must be reordered.
  EXPECT_EQ(normalize("q\xCC\x87\xCC\xA3", NormalForm::nfd), "q\xCC\xA3\xCC\x87");
  // ṩ (s + dot below + dot above) composes fully whatever order the marks came in.
  EXPECT_EQ(normalize("s\xCC\x87\xCC\xA3", NormalForm::nfc), "\xE1\xB9\xA9");
}

TEST(UnicodeNormalize, CompositionExclusionsStayDecomposed) {
  // U+0958 DEVANAGARI LETTER QA is excluded from composition: NFC leaves it as KA + NUKTA.
  EXPECT_EQ(normalize("\xE0\xA5\x98", NormalForm::nfc), "\xE0\xA4\x95\xE0\xA4\xBC");
  // U+212B ANGSTROM SIGN is a singleton: NFC gives U+00C5.
  EXPECT_EQ(normalize("\xE2\x84\xAB", NormalForm::nfc), "\xC3\x85");
}

TEST(UnicodeNormalize, HangulIsDecomposedAndComposedArithmetically) {
  // 한 U+D55C = ᄒ U+1112 + ᅡ U+1161 + ᆫ U+11AB
  EXPECT_EQ(normalize("\xED\x95\x9C", NormalForm::nfd), "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB");
  EXPECT_EQ(normalize("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", NormalForm::nfc), "\xED\x95\x9C");
}

TEST(UnicodeNormalize, CompatibilityFormsFoldPresentationCharacters) {
  EXPECT_EQ(normalize("\xEF\xAC\x81", NormalForm::nfkc), "fi");          // ﬁ ligature
  EXPECT_EQ(normalize("\xE2\x91\xA0", NormalForm::nfkc), "1");           // ① circled one
  EXPECT_EQ(normalize("\xC2\xA0", NormalForm::nfkd), " ");               // no-break space
  EXPECT_EQ(normalize("\xEF\xAC\x81", NormalForm::nfc), "\xEF\xAC\x81"); // canonical forms keep it
}

TEST(UnicodeNormalize, LeadingCombiningMarkIsKept) {
  EXPECT_EQ(normalize("\xCC\x81" "a", NormalForm::nfc), "\xCC\x81" "a");
}

TEST(UnicodeLowercase, MapsLettersOfManyScripts) {
  EXPECT_EQ(to_lowercase("HeLLo \xC3\x89T\xC3\x89 \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91"),
            "hello \xC3\xA9t\xC3\xA9 \xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");  // no final-sigma rule
  EXPECT_EQ(to_lowercase("\xC4\xB0"), "i\xCC\x87");  // İ → i + combining dot above
}

TEST(Utf8, FirstInvalidFindsTheBadByte) {
  EXPECT_EQ(first_invalid_utf8("plain"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ok \xEF\xBF\xBD replacement char"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8("ab\xC3"), 2u);                 // truncated
  EXPECT_EQ(first_invalid_utf8("a\xED\xA0\x80"), 1u);          // surrogate
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);               // overlong
  EXPECT_EQ(first_invalid_utf8("a\xF4\x90\x80\x80"), 1u);      // beyond U+10FFFF
}

TEST(Utf8, LossyDecodingReplacesEachMaximalSubpart) {
  // Rust's from_utf8_lossy: E2 82 is one truncated sequence (one U+FFFD), FF is another.
  EXPECT_EQ(decode_utf8_lossy("a\xE2\x82" "b\xFF"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(decode_utf8_lossy("\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(decode_utf8_lossy("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(Whitespace, FollowsTheUnicodeProperty) {
  for (const char32_t c : {U' ', U'\t', U'\n', U'\u00A0', U'\u2003', U'\u3000', U'\u0085'}) EXPECT_TRUE(is_whitespace(c));
  for (const char32_t c : {U'a', U'\u200B', U'\u180E', U'_'}) EXPECT_FALSE(is_whitespace(c));
}

}  // namespace
}  // namespace switchboard::local::unicode
