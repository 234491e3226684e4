// Broken or unsupported tokenizer files fail with Error(model_format) naming the file and field.

#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "tokenizer.hpp"

namespace switchboard::local {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

json valid() {
  return {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
}

// Runs `load` and returns the Error's message, failing the test if it does not throw model_format.
template <typename Load>
std::string load_error(Load load) {
  try {
    load();
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::model_format) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "loading succeeded";
  return {};
}

std::string error_for(const json& spec) {
  return load_error([&] { Tokenizer::from_json(spec, nullptr, "bad/tokenizer.json"); });
}

TEST(MalformedTokenizer, TheValidBaseLoads) {
  EXPECT_EQ(Tokenizer::from_json(valid(), nullptr).encode("ab", false), (std::vector<int32_t>{2}));
}

TEST(MalformedTokenizer, MissingModel) {
  json spec = valid();
  spec.erase("model");
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("bad/tokenizer.json"), HasSubstr("model"), HasSubstr("missing")));
}

TEST(MalformedTokenizer, UnsupportedModelType) {
  json spec = valid();
  spec["model"]["type"] = "Unigram";
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.type"), HasSubstr("Unigram")));
}

TEST(MalformedTokenizer, UnknownComponentTypesNameTheComponent) {
  json spec = valid();
  spec["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("normalizer.type"), HasSubstr("Precompiled")));
  spec = valid();
  spec["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "ByteLevel"}}, {{"type", "UnicodeScripts"}}}}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("pre_tokenizer.pretokenizers[1].type"), HasSubstr("UnicodeScripts")));
  spec = valid();
  spec["decoder"] = {{"type", "WordPiece"}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("decoder.type"), HasSubstr("WordPiece")));
  spec = valid();
  spec["post_processor"] = {{"type", "Mystery"}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("post_processor.type"), HasSubstr("Mystery")));
}

TEST(MalformedTokenizer, BadMerges) {
  json spec = valid();
  spec["model"]["merges"] = {"a b", "a c"};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.merges[1]"), HasSubstr("\"c\"")));
  spec["model"]["merges"] = {"ab"};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.merges[0]"), HasSubstr("two tokens")));
  spec["model"]["merges"] = {{"a", "b", "c"}};
  EXPECT_THAT(error_for(spec), HasSubstr("model.merges[0]"));
  spec["model"]["merges"] = "a b";
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.merges"), HasSubstr("array")));
  spec["model"]["merges"] = {"b a"};  // "ba" is not in the vocabulary
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.merges[0]"), HasSubstr("\"ba\"")));
}

TEST(MalformedTokenizer, BadVocabularyAndFields) {
  json spec = valid();
  spec["model"]["vocab"]["c"] = -3;
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.vocab[\"c\"]"), HasSubstr("token id")));
  spec = valid();
  spec["model"]["unk_token"] = "<unk>";
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("model.unk_token"), HasSubstr("<unk>")));
  spec = valid();
  spec["model"]["dropout"] = 0.1;
  EXPECT_THAT(error_for(spec), HasSubstr("model.dropout"));
  spec = valid();
  spec["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("pre_tokenizer.pattern.Regex"), HasSubstr("offset")));
  spec["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", "x"}}}, {"behavior", "Sideways"}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("pre_tokenizer.behavior"), HasSubstr("Sideways")));
  spec = valid();
  spec["added_tokens"] = {{{"id", "seven"}, {"content", "<x>"}}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("added_tokens[0].id"), HasSubstr("token id")));
  spec["added_tokens"] = {{{"id", 4000000000}, {"content", "<x>"}}};  // would mean a 16 GB id table
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("added_tokens[0].id"), HasSubstr("token id")));
  spec = valid();
  spec["post_processor"] = {{"type", "TemplateProcessing"}, {"single", {{{"SpecialToken", {{"id", "<s>"}}}}}}, {"special_tokens", json::object()}};
  EXPECT_THAT(error_for(spec), AllOf(HasSubstr("post_processor.single[0].SpecialToken.id"), HasSubstr("<s>")));
}

TEST(MalformedTokenizer, FilesThatAreMissingOrNotJson) {
  const auto folder = std::filesystem::temp_directory_path() / "switchboard_tokenizer_malformed_test";
  std::filesystem::create_directories(folder);
  std::ofstream(folder / "tokenizer.json") << "{\"model\": ";
  EXPECT_THAT(load_error([&] { Tokenizer::from_file(folder / "tokenizer.json"); }),
              AllOf(HasSubstr("tokenizer.json"), HasSubstr("not valid JSON")));

  std::ofstream(folder / "tokenizer.json") << valid().dump();
  std::ofstream(folder / "tokenizer_config.json") << json{{"eos_token", "<nope>"}}.dump();
  EXPECT_THAT(load_error([&] { Tokenizer::from_file(folder / "tokenizer.json"); }),
              AllOf(HasSubstr("tokenizer_config.json"), HasSubstr("eos_token"), HasSubstr("<nope>")));
  std::filesystem::remove_all(folder);

  try {
    Tokenizer::from_file(folder / "tokenizer.json");
    ADD_FAILURE() << "a missing file loaded";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
  }
}

TEST(MalformedInput, InvalidUtf8IsAnInvalidRequest) {
  const auto tokenizer = Tokenizer::from_json(valid(), nullptr);
  try {
    tokenizer.encode("ab\xC3(", false);
    ADD_FAILURE() << "invalid UTF-8 was encoded";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::invalid_request);
    EXPECT_THAT(error.what(), HasSubstr("offset 2"));
  }
}

}  // namespace
}  // namespace switchboard::local
