// ChatTemplate: loading model folders, choosing among named templates, variables, and the errors
// a host sees.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "chat_template.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using chat_template_test::first_difference;
using chat_template_test::read_json;
using switchboard::Error;
using switchboard::ErrorCategory;
using switchboard::local::ChatTemplate;
using switchboard::local::RenderOptions;
using json = nlohmann::ordered_json;

const std::string kData = std::string(SWITCHBOARD_TEST_DATA) + "/chat_template/data";

// Runs `action`, which must throw switchboard::Error; returns it.
template <typename Action>
Error expect_error(Action action) {
  try {
    action();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "expected switchboard::Error";
  return Error(ErrorCategory::internal, "no error");
}

class TempFolder {
 public:
  TempFolder() {
    path_ = fs::temp_directory_path() / ("chat_template_test_" + std::to_string(::getpid()) + "_" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempFolder() { fs::remove_all(path_); }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(TinyModelTemplates, RenderLikeTransformers) {
  for (const char* model : {"llama", "qwen2", "qwen3", "mistral", "phi3"}) {
    SCOPED_TRACE(model);
    const auto reference = read_json(kData + "/models/" + model + "/chat_reference.json");
    const auto chat = ChatTemplate::from_model_folder(kData + "/models/" + model);
    RenderOptions options;
    options.add_generation_prompt = reference["add_generation_prompt"].get<bool>();
    EXPECT_EQ(first_difference(reference["rendered"].get<std::string>(), chat.render(reference["messages"], options)), "")
        << model;
  }
}

TEST(TinyModelTemplates, Llama2TemplateRaisesOnRolesThatDoNotAlternate) {
  const auto chat = ChatTemplate::from_model_folder(kData + "/models/mistral");
  const json messages = json::parse(R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
  const Error error = expect_error([&] { chat.render(messages); });
  EXPECT_EQ(error.category(), ErrorCategory::invalid_request);
  EXPECT_STREQ(error.what(), "Conversation roles must alternate user/assistant/user/assistant/...");
}

TEST(ChatTemplateFolder, JinjaFileWinsOverTokenizerConfig) {
  TempFolder folder;
  folder.write("tokenizer_config.json", R"({"chat_template": "from config", "eos_token": {"content": "</s>"}})");
  folder.write("chat_template.jinja", "from file {{ eos_token }}\n");
  const auto chat = ChatTemplate::from_model_folder(folder.path());
  EXPECT_EQ(chat.render(json::array()), "from file </s>");
  EXPECT_EQ(chat.eos_token(), "</s>");
}

TEST(ChatTemplateFolder, AdditionalTemplatesAreNamed) {
  TempFolder folder;
  folder.write("chat_template.jinja", "default");
  folder.write("additional_chat_templates/tool_use.jinja", "tools: {{ tools|length }}");
  const auto chat = ChatTemplate::from_model_folder(folder.path());
  EXPECT_EQ(chat.template_names(), (std::vector<std::string>{"default", "tool_use"}));
  EXPECT_EQ(chat.render(json::array()), "default");
  RenderOptions with_tools;
  with_tools.tools = json::parse(R"([{"type": "function"}])");
  EXPECT_EQ(chat.render(json::array(), with_tools), "tools: 1");
}

TEST(ChatTemplateFolder, NamedTemplateListFollowsTransformersChoice) {
  const json config = json::parse(R"({"chat_template": [
      {"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}]})");
  const auto chat = ChatTemplate::from_tokenizer_config(config, "config");
  EXPECT_EQ(chat.render(json::array()), "D");
  RenderOptions options;
  options.tools = json::array();
  EXPECT_EQ(chat.render(json::array(), options), "T");  // tools given, even empty, picks tool_use
  options.template_name = "rag";
  EXPECT_EQ(chat.render(json::array(), options), "R");
  options.template_name = "missing";
  const Error error = expect_error([&] { chat.render(json::array(), options); });
  EXPECT_EQ(error.category(), ErrorCategory::invalid_request);
  EXPECT_NE(std::string(error.what()).find("default, tool_use, rag"), std::string::npos) << error.what();
}

TEST(ChatTemplateFolder, MissingAndMalformedFilesSayWhat) {
  TempFolder empty;
  EXPECT_EQ(expect_error([&] { ChatTemplate::from_model_folder(empty.path()); }).category(), ErrorCategory::not_found);

  TempFolder no_template;
  no_template.write("tokenizer_config.json", R"({"eos_token": "</s>"})");
  const Error missing = expect_error([&] { ChatTemplate::from_model_folder(no_template.path()); });
  EXPECT_EQ(missing.category(), ErrorCategory::not_found);
  EXPECT_NE(std::string(missing.what()).find("chat_template"), std::string::npos) << missing.what();

  TempFolder broken_json;
  broken_json.write("tokenizer_config.json", R"({"chat_template": )");
  EXPECT_EQ(expect_error([&] { ChatTemplate::from_model_folder(broken_json.path()); }).category(),
            ErrorCategory::model_format);

  TempFolder wrong_type;
  wrong_type.write("tokenizer_config.json", R"({"chat_template": 42})");
  const Error wrong = expect_error([&] { ChatTemplate::from_model_folder(wrong_type.path()); });
  EXPECT_EQ(wrong.category(), ErrorCategory::model_format);
  EXPECT_NE(std::string(wrong.what()).find("must be a string or a list"), std::string::npos) << wrong.what();
}

TEST(ChatTemplateErrors, SyntaxErrorNamesLineAndColumn) {
  const Error error = expect_error([] { ChatTemplate("line one\n  {% if %}yes{% endif %}"); });
  EXPECT_EQ(error.category(), ErrorCategory::model_format);
  EXPECT_STREQ(error.what(), "chat template 2:9: expected an expression, got '%}'");
}

TEST(ChatTemplateErrors, ColumnsCountCharactersNotBytes) {
  const Error error = expect_error([] { ChatTemplate("\xc3\xa9\xc3\xa9{{ 1 + }}"); });
  EXPECT_STREQ(error.what(), "chat template 1:10: expected an expression, got '}}'");
}

TEST(ChatTemplateErrors, RuntimeErrorNamesPositionAndProblem) {
  const ChatTemplate chat("{% for m in messages %}\n{{ m.content.missing.deeper }}{% endfor %}");
  const Error error = expect_error([&] { chat.render(json::parse(R"([{"content": "x"}])")); });
  EXPECT_EQ(error.category(), ErrorCategory::invalid_request);
  EXPECT_STREQ(error.what(), "chat template 2:21: 'str object' has no attribute 'missing'");
}

TEST(ChatTemplateErrors, RaiseExceptionPassesTheTemplatesMessage) {
  const ChatTemplate chat("{% if messages|length == 0 %}{{ raise_exception('No messages: ' ~ 0) }}{% endif %}ok");
  const Error error = expect_error([&] { chat.render(json::array()); });
  EXPECT_EQ(error.category(), ErrorCategory::invalid_request);
  EXPECT_STREQ(error.what(), "No messages: 0");
  EXPECT_EQ(chat.render(json::array({1})), "ok");
}

TEST(ChatTemplateRender, ToolsAndDocumentsAreNoneWhenNotGiven) {
  // transformers always passes tools= and documents=, so they are defined and None.
  const ChatTemplate chat("{{ tools is defined }} {{ tools is none }} {{ documents is none }} {{ add_generation_prompt }}");
  EXPECT_EQ(chat.render(json::array()), "True True True False");
}

TEST(ChatTemplateRender, VariablesOverrideSpecialTokens) {
  const ChatTemplate chat("{{ bos_token }}|{{ enable_thinking }}", json{{"bos_token", "<s>"}});
  EXPECT_EQ(chat.render(json::array()), "<s>|");
  RenderOptions options;
  options.variables = json{{"bos_token", "<B>"}, {"enable_thinking", false}};
  EXPECT_EQ(chat.render(json::array(), options), "<B>|False");
}

TEST(ChatTemplateRender, QwenThinkingSwitch) {
  const auto chat = ChatTemplate::from_model_folder(std::string(SWITCHBOARD_TEST_DATA) + "/fixtures/tokenizers/qwen3");
  const json messages = json::parse(R"([{"role": "user", "content": "Hi"}])");
  RenderOptions options;
  options.add_generation_prompt = true;
  options.variables = json{{"enable_thinking", false}};
  EXPECT_EQ(chat.render(messages, options),
            "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(ChatTemplateRender, ObjectKeyOrderIsKept) {
  const ChatTemplate chat("{{ tools[0]|tojson }}");
  RenderOptions options;
  options.tools = json::parse(R"([{"type": "function", "function": {"name": "f"}}])");
  EXPECT_EQ(chat.render(json::array(), options), R"({"type": "function", "function": {"name": "f"}})");
}

TEST(ChatTemplateRender, RejectsWhatTheRendererSetsItselfAndNonArrays) {
  const ChatTemplate chat("x");
  RenderOptions options;
  options.variables = json{{"messages", json::array()}};
  EXPECT_EQ(expect_error([&] { chat.render(json::array(), options); }).category(), ErrorCategory::invalid_request);
  EXPECT_EQ(expect_error([&] { chat.render(json::object()); }).category(), ErrorCategory::invalid_request);
}

}  // namespace
