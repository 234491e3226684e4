// Every render in tests/fixtures/tokenizers/<family>/chat.json, produced by transformers'
// apply_chat_template, must come out byte for byte the same.

#include <string>

#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "chat_template.hpp"
#include "test_support.hpp"

namespace {

using chat_template_test::first_difference;
using chat_template_test::read_json;
using switchboard::local::ChatTemplate;
using switchboard::local::RenderOptions;

std::string family_folder(const std::string& family) {
  return std::string(SWITCHBOARD_TEST_DATA) + "/fixtures/tokenizers/" + family;
}

class HuggingFaceRenders : public ::testing::TestWithParam<std::string> {};

TEST_P(HuggingFaceRenders, EveryCaseRendersByteExactly) {
  const std::string family = GetParam();
  const auto chat = read_json(family_folder(family) + "/chat.json");
  ASSERT_TRUE(chat.contains("renders"));
  ASSERT_FALSE(chat["renders"].empty());
  for (const auto& render : chat["renders"]) {
    const std::string id = render["id"].get<std::string>();
    SCOPED_TRACE(family + " / " + id);
    ASSERT_TRUE(render["error"].is_null()) << "transformers could not render " << id;
    const ChatTemplate chat_template = ChatTemplate::from_model_folder(family_folder(family));
    RenderOptions options;
    options.add_generation_prompt = render["add_generation_prompt"].get<bool>();
    options.tools = render["tools"];
    options.variables = render["template_kwargs"];
    const std::string actual = chat_template.render(render["messages"], options);
    const std::string expected = render["rendered"].get<std::string>();
    EXPECT_EQ(first_difference(expected, actual), "") << family << " case " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, HuggingFaceRenders,
                         ::testing::Values("qwen3", "llama-3.2", "phi-3-mini"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-' || c == '.') c = '_';
                           }
                           return name;
                         });

// mistral-7b-v0.3 has no tokenizer_config.json, so transformers refused every render; we refuse
// to load a template at all, with an error that says what is missing.
TEST(HuggingFaceRenders, FolderWithoutTemplateIsNotFound) {
  const auto chat = read_json(family_folder("mistral-7b-v0.3") + "/chat.json");
  for (const auto& render : chat["renders"]) {
    ASSERT_FALSE(render["error"].is_null()) << render["id"];
    EXPECT_NE(render["error"].get<std::string>().find("chat_template is not set"), std::string::npos);
  }
  try {
    ChatTemplate::from_model_folder(family_folder("mistral-7b-v0.3"));
    FAIL() << "expected an error";
  } catch (const switchboard::Error& error) {
    EXPECT_EQ(error.category(), switchboard::ErrorCategory::not_found);
    EXPECT_NE(std::string(error.what()).find("no chat template"), std::string::npos) << error.what();
  }
}

// The special tokens come from tokenizer_config.json, as transformers reads them.
TEST(HuggingFaceRenders, SpecialTokensComeFromTokenizerConfig) {
  const auto llama = ChatTemplate::from_model_folder(family_folder("llama-3.2"));
  EXPECT_EQ(llama.bos_token(), "<|begin_of_text|>");
  EXPECT_EQ(llama.eos_token(), "<|eot_id|>");
  const auto qwen = ChatTemplate::from_model_folder(family_folder("qwen3"));
  EXPECT_EQ(qwen.bos_token(), std::nullopt);  // null in the config
  EXPECT_EQ(qwen.eos_token(), "<|im_end|>");
}

}  // namespace
