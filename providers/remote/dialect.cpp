#include "dialect.hpp"

#include "anthropic_dialect.hpp"
#include "gemini_dialect.hpp"
#include "openai_dialect.hpp"

namespace switchboard::remote {

Dialect::Dialect(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor)
    : config_(config), redactor_(std::move(redactor)), owner_("remote '" + config.provider_name + "'") {}

nlohmann::json Dialect::parse_json(std::string_view text, std::string_view what) const {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    constexpr std::size_t kQuoted = 200;
    std::string quoted(text.substr(0, kQuoted));
    if (text.size() > kQuoted) quoted += "...";
    throw Error(ErrorCategory::unavailable, redactor_->redact(owner_ + ": malformed JSON in " + std::string(what) +
                                                              " (" + error.what() + "): " + quoted));
  }
}

HeaderList Dialect::base_headers(bool stream) const {
  HeaderList headers = {{"Content-Type", "application/json"},
                        {"Accept", stream ? "text/event-stream" : "application/json"}};
  headers.insert(headers.end(), config_.headers.begin(), config_.headers.end());
  return headers;
}

std::unique_ptr<Dialect> make_dialect(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor) {
  switch (config.api) {
    case Api::openai: return std::make_unique<OpenAiDialect>(config, std::move(redactor));
    case Api::anthropic: return std::make_unique<AnthropicDialect>(config, std::move(redactor));
    case Api::gemini: return std::make_unique<GeminiDialect>(config, std::move(redactor));
  }
  throw Error(ErrorCategory::internal, "unknown remote API");
}

namespace json_read {

std::string_view text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>()) : std::string_view{};
}

const nlohmann::json* object(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

const nlohmann::json* array(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? &*it : nullptr;
}

std::int64_t integer(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace json_read
}  // namespace switchboard::remote
