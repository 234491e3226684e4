#include "chat_template.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <switchboard/error.hpp>

#include "jinja/lexer.hpp"
#include "jinja/template.hpp"
#include "jinja/template_error.hpp"
#include "jinja/value.hpp"

namespace switchboard::local {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCategory::not_found, "cannot open " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::ordered_json read_json(const fs::path& path) {
  try {
    return nlohmann::ordered_json::parse(read_file(path));
  } catch (const nlohmann::json::exception& error) {
    throw Error(ErrorCategory::model_format, path.string() + ": not valid JSON: " + error.what());
  }
}

// tokenizer_config.json writes a special token as "<s>" or as {"content": "<s>", ...}.
std::optional<std::string> token_text(const nlohmann::ordered_json& token) {
  if (token.is_string()) return token.get<std::string>();
  if (token.is_object() && token.contains("content") && token["content"].is_string()) {
    return token["content"].get<std::string>();
  }
  return std::nullopt;
}

// transformers passes its special_tokens_map to the template: the named tokens that are set,
// and additional_special_tokens.
nlohmann::ordered_json special_tokens_of(const nlohmann::ordered_json& config) {
  auto tokens = nlohmann::ordered_json::object();
  if (!config.is_object()) return tokens;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    if (auto text = token_text(config[key])) tokens[key] = *text;
  }
  if (config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& token : config["additional_special_tokens"]) {
      if (auto text = token_text(token)) list.push_back(*text);
    }
    if (!list.empty()) tokens["additional_special_tokens"] = list;
  }
  return tokens;
}

Error to_error(const jinja::TemplateError& error, const std::string& source, const std::string& origin) {
  switch (error.kind()) {
    case jinja::TemplateError::Kind::raised:
      return Error(ErrorCategory::invalid_request, error.what());
    case jinja::TemplateError::Kind::syntax:
      return Error(ErrorCategory::model_format,
                   origin + " " + jinja::describe_position(source, error.offset()) + ": " + error.what());
    case jinja::TemplateError::Kind::runtime:
      break;
  }
  return Error(ErrorCategory::invalid_request,
               origin + " " + jinja::describe_position(source, error.offset()) + ": " + error.what());
}

}  // namespace

ChatTemplate::ChatTemplate(std::string_view source, nlohmann::ordered_json special_tokens)
    : special_tokens_(std::move(special_tokens)) {
  if (!special_tokens_.is_object()) {
    throw Error(ErrorCategory::invalid_request, "chat template special tokens must be a JSON object");
  }
  add("default", source, origin_);
}

void ChatTemplate::add(std::string name, std::string_view source, const std::string& origin) {
  Named named;
  named.name = std::move(name);
  try {
    named.compiled = std::make_shared<const jinja::Template>(source);
  } catch (const jinja::TemplateError& error) {
    const std::string label = named.name == "default" ? origin : origin + " '" + named.name + "'";
    throw to_error(error, jinja::normalize_template_source(source), label);
  }
  named.source = named.compiled->source();
  templates_.push_back(std::move(named));
}

ChatTemplate ChatTemplate::from_tokenizer_config(const nlohmann::ordered_json& config, std::string_view origin) {
  ChatTemplate result;
  result.origin_ = "chat template of " + std::string(origin);
  if (!config.is_object()) throw Error(ErrorCategory::model_format, std::string(origin) + ": expected a JSON object");
  result.special_tokens_ = special_tokens_of(config);
  if (!config.contains("chat_template") || config["chat_template"].is_null()) {
    throw Error(ErrorCategory::not_found, std::string(origin) + " has no \"chat_template\"");
  }
  const auto& value = config["chat_template"];
  if (value.is_string()) {
    result.add("default", value.get<std::string>(), result.origin_);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      const auto& entry = value[i];
      if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
          !entry.contains("template") || !entry["template"].is_string()) {
        throw Error(ErrorCategory::model_format, std::string(origin) + ": chat_template[" + std::to_string(i) +
                                                     "] must be an object with string \"name\" and \"template\"");
      }
      result.add(entry["name"].get<std::string>(), entry["template"].get<std::string>(), result.origin_);
    }
    if (result.templates_.empty()) {
      throw Error(ErrorCategory::not_found, std::string(origin) + ": \"chat_template\" is an empty list");
    }
  } else {
    throw Error(ErrorCategory::model_format,
                std::string(origin) + ": \"chat_template\" must be a string or a list of {name, template}");
  }
  return result;
}

ChatTemplate ChatTemplate::from_model_folder(const std::filesystem::path& folder) {
  const fs::path config_path = folder / "tokenizer_config.json";
  const fs::path jinja_path = folder / "chat_template.jinja";
  const bool has_config = fs::is_regular_file(config_path);
  const nlohmann::ordered_json config = has_config ? read_json(config_path) : nlohmann::ordered_json::object();

  if (!fs::is_regular_file(jinja_path)) {
    if (!has_config) {
      throw Error(ErrorCategory::not_found,
                  folder.string() + " has no chat template: neither chat_template.jinja nor tokenizer_config.json");
    }
    return from_tokenizer_config(config, config_path.string());
  }
  // A chat_template.jinja file wins over tokenizer_config.json, as in transformers.
  ChatTemplate result;
  result.origin_ = "chat template of " + jinja_path.string();
  result.special_tokens_ = special_tokens_of(config);
  result.add("default", read_file(jinja_path), result.origin_);
  const fs::path extra = folder / "additional_chat_templates";
  if (fs::is_directory(extra)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(extra)) {
      if (entry.is_regular_file() && entry.path().extension() == ".jinja") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      result.add(file.stem().string(), read_file(file), "chat template of " + file.string());
    }
  }
  return result;
}

std::vector<std::string> ChatTemplate::template_names() const {
  std::vector<std::string> names;
  for (const auto& named : templates_) names.push_back(named.name);
  std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "default"; });
  return names;
}

const ChatTemplate::Named& ChatTemplate::choose(const RenderOptions& options) const {
  auto find = [&](std::string_view name) -> const Named* {
    for (const auto& named : templates_) {
      if (named.name == name) return &named;
    }
    return nullptr;
  };
  if (templates_.size() == 1 && options.template_name.empty()) return templates_.front();
  if (!options.template_name.empty()) {
    if (const Named* named = find(options.template_name)) return *named;
  } else {
    if (!options.tools.is_null()) {
      if (const Named* named = find("tool_use")) return *named;
    }
    if (const Named* named = find("default")) return *named;
  }
  std::string names;
  for (const auto& n : template_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error(ErrorCategory::invalid_request,
              options.template_name.empty()
                  ? origin_ + " has no \"default\" template; name one of: " + names
                  : origin_ + " has no template named \"" + options.template_name + "\"; it has: " + names);
}

const std::string& ChatTemplate::source(const RenderOptions& options) const { return choose(options).source; }

std::string ChatTemplate::render(const nlohmann::ordered_json& messages, const RenderOptions& options) const {
  const Named& chosen = choose(options);
  if (!messages.is_array()) throw Error(ErrorCategory::invalid_request, "chat messages must be a JSON array");
  if (!options.variables.is_object()) {
    throw Error(ErrorCategory::invalid_request, "chat template variables must be a JSON object");
  }
  for (const char* reserved : {"messages", "tools", "documents", "add_generation_prompt"}) {
    if (options.variables.contains(reserved)) {
      throw Error(ErrorCategory::invalid_request,
                  std::string("chat template variable \"") + reserved + "\" is set by the renderer itself");
    }
  }
  std::vector<std::pair<std::string, jinja::Value>> variables;
  try {
    for (const auto& [key, value] : special_tokens_.items()) variables.emplace_back(key, jinja::Value::from_json(value));
    variables.emplace_back("messages", jinja::Value::from_json(messages));
    variables.emplace_back("tools", jinja::Value::from_json(options.tools));
    variables.emplace_back("documents", jinja::Value::from_json(options.documents));
    variables.emplace_back("add_generation_prompt", jinja::Value(options.add_generation_prompt));
    // Later entries win, so these override special tokens of the same name.
    for (const auto& [key, value] : options.variables.items()) variables.emplace_back(key, jinja::Value::from_json(value));
  } catch (const std::length_error& error) {
    throw Error(ErrorCategory::invalid_request, std::string("chat template input: ") + error.what());
  }
  try {
    return chosen.compiled->render(variables);
  } catch (const jinja::TemplateError& error) {
    const std::string label = chosen.name == "default" ? origin_ : origin_ + " '" + chosen.name + "'";
    throw to_error(error, chosen.source, label);
  }
}

std::optional<std::string> ChatTemplate::special_token(const char* key) const {
  if (!special_tokens_.contains(key) || !special_tokens_[key].is_string()) return std::nullopt;
  return special_tokens_[key].get<std::string>();
}

std::optional<std::string> ChatTemplate::bos_token() const { return special_token("bos_token"); }
std::optional<std::string> ChatTemplate::eos_token() const { return special_token("eos_token"); }

}  // namespace switchboard::local
