// SHA-256 against the FIPS 180-4 example digests and the system's sha256sum.

#include <gtest/gtest.h>

#include <cstdio>

#include "store/sha256.hpp"
#include "store_test_support.hpp"

namespace switchboard::store_test {
namespace {

std::string digest(const std::string& text) {
  store::Sha256 hasher;
  hasher.update(text);
  return hasher.hex_digest();
}

TEST(Sha256, MatchesTheStandardsExamples) {
  EXPECT_EQ(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(digest(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecesHashLikeTheWhole) {
  const std::string text = read_file(fixture_model("qwen2") / "tokenizer.json");
  store::Sha256 pieces;
  for (std::size_t at = 0; at < text.size(); at += 1 + at % 97) pieces.update(text.substr(at, 1 + at % 97));
  EXPECT_EQ(pieces.hex_digest(), digest(text));
}

TEST(Sha256, MatchesSha256sumOnAFixtureShard) {
  const auto file = fixture_model("qwen2") / "model-00001-of-00002.safetensors";
  std::FILE* pipe = ::popen(("sha256sum '" + file.string() + "'").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[128] = {};
  ASSERT_NE(std::fgets(line, sizeof line, pipe), nullptr);
  ::pclose(pipe);
  EXPECT_EQ(digest(read_file(file)), std::string(line, 64));
}

}  // namespace
}  // namespace switchboard::store_test
