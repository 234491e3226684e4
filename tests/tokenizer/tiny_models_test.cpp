// The tokenizers of the tiny test models in ../shared/fixtures/models load and reproduce the
// tokenizer checks of their reference.json (Hugging Face transformers 5.17 on the same folder).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fixture_support.hpp"
#include "streaming_detokenizer.hpp"
#include "tokenizer.hpp"

namespace switchboard::local::testing {
namespace {

const std::filesystem::path kModels = std::filesystem::path(SWITCHBOARD_TEST_DATA) / "../../shared/fixtures/models";

class TinyModelTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyModelTokenizer, MatchesReferenceTokenizerCases) {
  const auto folder = kModels / GetParam();
  if (!std::filesystem::exists(folder / "tokenizer.json")) GTEST_SKIP() << "no shared model fixtures at " << folder;
  const Tokenizer tokenizer = Tokenizer::from_file(folder / "tokenizer.json");
  std::ifstream file(folder / "reference.json");
  const auto reference = nlohmann::json::parse(file);
  const auto& cases = reference.at("tokenizer_cases");
  ASSERT_FALSE(cases.empty());
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& check = cases[i];
    const std::string text = check.at("text").get<std::string>();
    const std::string where = GetParam() + " tokenizer case #" + std::to_string(i) + " \"" + printable(text) + "\"";
    const auto ids = tokenizer.encode(text, true);
    EXPECT_EQ(ids, ids_of(check.at("ids"))) << where;
    EXPECT_EQ(tokenizer.encode(text, false), ids_of(check.at("ids_no_special"))) << where;
    EXPECT_EQ(tokenizer.decode(ids_of(check.at("ids_no_special")), false), check.at("decoded_no_special").get<std::string>())
        << where;
    EXPECT_EQ(tokenizer.decode(ids_of(check.at("ids")), true), check.at("decoded_skip_special").get<std::string>()) << where;
    StreamingDetokenizer stream(tokenizer, true);
    std::string streamed;
    for (const int32_t id : ids_of(check.at("ids"))) streamed += stream.push(id);
    EXPECT_EQ(streamed + stream.finish(), check.at("decoded_skip_special").get<std::string>()) << where;
  }
}

TEST_P(TinyModelTokenizer, SpecialTokenIdsMatchTheReference) {
  const auto folder = kModels / GetParam();
  if (!std::filesystem::exists(folder / "tokenizer.json")) GTEST_SKIP() << "no shared model fixtures at " << folder;
  const Tokenizer tokenizer = Tokenizer::from_file(folder / "tokenizer.json");
  std::ifstream file(folder / "reference.json");
  const auto expected = nlohmann::json::parse(file).at("special_token_ids");
  const auto optional_id = [](const nlohmann::json& value) {
    return value.is_null() ? std::nullopt : std::optional<int32_t>(value.get<int32_t>());
  };
  EXPECT_EQ(tokenizer.bos_id(), optional_id(expected.at("bos")));
  EXPECT_EQ(tokenizer.eos_id(), optional_id(expected.at("eos")));
  EXPECT_EQ(tokenizer.special_tokens().pad, optional_id(expected.at("pad")));
  EXPECT_EQ(tokenizer.special_tokens().unk, optional_id(expected.at("unk")));
}

INSTANTIATE_TEST_SUITE_P(SharedModels, TinyModelTokenizer,
                         ::testing::Values("llama", "llama_mlx_4bit", "llama_mlx_8bit", "qwen2", "qwen2_mlx_4bit",
                                           "qwen2_mlx_8bit", "qwen3", "mistral", "phi3", "gemma3_text"));

}  // namespace
}  // namespace switchboard::local::testing
