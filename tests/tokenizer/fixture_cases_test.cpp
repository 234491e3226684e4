// Every case of every family's cases.json: ids with and without special tokens and decoded text
// must equal what Hugging Face `tokenizers` produced from the same tokenizer.json.

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>

#include "fixture_support.hpp"
#include "streaming_detokenizer.hpp"

namespace switchboard::local::testing {
namespace {

struct FixtureCase {
  std::string family;
  size_t index;
  std::string id;
};

void PrintTo(const FixtureCase& fixture_case, std::ostream* out) {
  *out << fixture_case.family << " " << fixture_case.id;
}

std::vector<FixtureCase> all_cases() {
  std::vector<FixtureCase> cases;
  for (const std::string& family : kFamilies) {
    const auto& list = family_cases(family);
    for (size_t i = 0; i < list.size(); ++i) cases.push_back({family, i, list[i].at("id").get<std::string>()});
  }
  return cases;
}

std::string hex_of(const std::string& text) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    out.push_back(digits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(digits[static_cast<unsigned char>(c) & 0xF]);
  }
  return out;
}

std::string stream_decode(const Tokenizer& tokenizer, const std::vector<int32_t>& ids, bool skip_special) {
  StreamingDetokenizer stream(tokenizer, skip_special);
  std::string text;
  for (const int32_t id : ids) text += stream.push(id);
  return text + stream.finish();
}

class FixtureCaseTest : public ::testing::TestWithParam<FixtureCase> {
 protected:
  const nlohmann::json& data() const { return family_cases(GetParam().family)[GetParam().index]; }
  const Tokenizer& tokenizer() const { return family_tokenizer(GetParam().family); }
  std::string text() const { return data().at("text").get<std::string>(); }
  std::string where() const {
    return GetParam().family + " case " + GetParam().id + " (#" + std::to_string(GetParam().index) + ") text \"" +
           printable(text()) + "\"";
  }
};

TEST_P(FixtureCaseTest, TextDecodesToTheRecordedBytes) {
  EXPECT_EQ(hex_of(text()), data().at("text_utf8_hex").get<std::string>()) << where();
}

TEST_P(FixtureCaseTest, EncodeWithoutSpecialTokens) {
  EXPECT_EQ(tokenizer().encode(text(), false), ids_of(data().at("tokenizers").at("ids"))) << where();
}

TEST_P(FixtureCaseTest, EncodeWithSpecialTokens) {
  EXPECT_EQ(tokenizer().encode(text(), true), ids_of(data().at("tokenizers").at("ids_with_special"))) << where();
}

TEST_P(FixtureCaseTest, DecodeKeepingSpecialTokens) {
  const auto ids = ids_of(data().at("tokenizers").at("ids_with_special"));
  EXPECT_EQ(printable(tokenizer().decode(ids, false)),
            printable(data().at("tokenizers").at("decode_keep_special").get<std::string>()))
      << where();
}

TEST_P(FixtureCaseTest, DecodeSkippingSpecialTokens) {
  const auto ids = ids_of(data().at("tokenizers").at("ids_with_special"));
  EXPECT_EQ(printable(tokenizer().decode(ids, true)),
            printable(data().at("tokenizers").at("decode_skip_special").get<std::string>()))
      << where();
}

// Hugging Face reports an added token by the text it matched, which includes the whitespace an
// lstrip/rstrip token swallowed; other tokens are their vocabulary strings.
TEST_P(FixtureCaseTest, TokenStringsMatch) {
  const auto ids = ids_of(data().at("tokenizers").at("ids"));
  const auto& expected = data().at("tokenizers").at("tokens");
  ASSERT_EQ(ids.size(), expected.size()) << where();
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& added = tokenizer().added_tokens();
    const auto token = std::find_if(added.begin(), added.end(), [&](const AddedToken& t) { return t.id == ids[i]; });
    if (token != added.end() && (token->lstrip || token->rstrip)) {
      EXPECT_NE(expected[i].get<std::string>().find(token->content), std::string::npos) << where() << " token " << i;
      continue;
    }
    EXPECT_EQ(tokenizer().id_to_token(ids[i]).value_or("<none>"), expected[i].get<std::string>()) << where() << " token " << i;
    EXPECT_EQ(tokenizer().token_to_id(expected[i].get<std::string>()), ids[i]) << where() << " token " << i;
  }
}

// Where transformers agrees with tokenizers (all but five phi-3 cases), its decode must match too.
TEST_P(FixtureCaseTest, TransformersDecodeWhereLibrariesAgree) {
  if (!data().at("libraries_agree").get<bool>()) GTEST_SKIP() << "transformers re-tokenizes this case (see SOURCE.md)";
  const auto& expected = data().at("transformers");
  EXPECT_EQ(tokenizer().decode(ids_of(expected.at("ids")), false), expected.at("decode").get<std::string>()) << where();
  EXPECT_EQ(tokenizer().decode(ids_of(expected.at("ids_with_special")), true),
            expected.at("decode_with_special_skip_special").get<std::string>())
      << where();
}

TEST_P(FixtureCaseTest, StreamingDeltasConcatenateToTheFullDecode) {
  const auto ids = ids_of(data().at("tokenizers").at("ids_with_special"));
  for (const bool skip : {false, true}) {
    const std::string expected =
        data().at("tokenizers").at(skip ? "decode_skip_special" : "decode_keep_special").get<std::string>();
    EXPECT_EQ(printable(stream_decode(tokenizer(), ids, skip)), printable(tokenizer().decode(ids, skip)))
        << where() << (skip ? " (skipping special tokens)" : "");
    EXPECT_EQ(printable(stream_decode(tokenizer(), ids, skip)), printable(expected))
        << where() << (skip ? " (skipping special tokens)" : "");
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureCaseTest, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<FixtureCase>& info) {
                           std::string name = info.param.family + "_" + info.param.id;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace switchboard::local::testing
