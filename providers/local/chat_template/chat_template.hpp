#pragma once
// Chat templates that render exactly like Hugging Face transformers' apply_chat_template:
//
//   auto chat = switchboard::local::ChatTemplate::from_model_folder("models/qwen3");
//   std::string prompt = chat.render(messages, {.add_generation_prompt = true});
//
// The template is Jinja2 as transformers compiles it (trim_blocks, lstrip_blocks, loop controls,
// raise_exception, strftime_now, a json.dumps-style tojson); the engine lives in jinja/.
// Messages, tools and variables are JSON; nlohmann::ordered_json keeps object keys in the order
// they were written, which matters wherever a template prints a dict (tojson of a tool schema).
// A plain nlohmann::json converts implicitly, with its keys sorted.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchboard::local {

namespace jinja {
class Template;
}

struct RenderOptions {
  bool add_generation_prompt = false;
  // OpenAI-style function schemas, [{"type": "function", "function": {...}}]; null passes None,
  // which is what transformers passes when no tools are given.
  nlohmann::ordered_json tools = nullptr;
  // Documents for retrieval templates; null passes None.
  nlohmann::ordered_json documents = nullptr;
  // Further template variables, e.g. {"enable_thinking": false, "date_string": "26 Jul 2024"}.
  // They override the special tokens (bos_token, ...) of the same name.
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  // Which of several named templates to use; empty picks as transformers does: "tool_use" when
  // tools are given and it exists, else "default".
  std::string template_name;
};

class ChatTemplate {
 public:
  // One template. `special_tokens` become template variables: {"bos_token": "<s>", ...}.
  // Throws switchboard::Error(model_format) naming line:column when the template does not parse.
  explicit ChatTemplate(std::string_view source,
                        nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object());

  // Reads a model folder the way transformers does: chat_template.jinja (plus
  // additional_chat_templates/<name>.jinja) when present, else tokenizer_config.json's
  // "chat_template" (a string, or a list of {"name", "template"}); special tokens always come
  // from tokenizer_config.json. Throws Error(not_found) when the folder has no chat template,
  // Error(model_format) for malformed files or templates.
  static ChatTemplate from_model_folder(const std::filesystem::path& folder);

  // The same from an already parsed tokenizer_config.json; `origin` names it in errors.
  static ChatTemplate from_tokenizer_config(const nlohmann::ordered_json& config, std::string_view origin);

  // Renders the conversation. Throws Error(invalid_request) when the template raises
  // (raise_exception's message, unchanged) or fails on these messages (with line:column).
  std::string render(const nlohmann::ordered_json& messages, const RenderOptions& options = {}) const;

  // The names of the templates, "default" first when there is one.
  std::vector<std::string> template_names() const;
  // The template text that `render` would use for these options.
  const std::string& source(const RenderOptions& options = {}) const;
  // Special tokens as template variables see them; nullopt when the config has none.
  std::optional<std::string> bos_token() const;
  std::optional<std::string> eos_token() const;

 private:
  struct Named {
    std::string name;
    std::string source;
    std::shared_ptr<const jinja::Template> compiled;
  };

  ChatTemplate() = default;
  void add(std::string name, std::string_view source, const std::string& origin);
  const Named& choose(const RenderOptions& options) const;
  std::optional<std::string> special_token(const char* key) const;

  std::vector<Named> templates_;
  nlohmann::ordered_json special_tokens_ = nlohmann::ordered_json::object();
  std::string origin_ = "chat template";
};

}  // namespace switchboard::local
