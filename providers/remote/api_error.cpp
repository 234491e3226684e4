#include "api_error.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace switchboard::remote {
namespace {

constexpr std::size_t kMaxQuotedBody = 500;

struct ApiMessage {
  std::string message;
  std::string type;  // OpenAI/Anthropic "type", Gemini "status"
  std::string code;  // OpenAI "code" ("context_length_exceeded")
};

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

std::string string_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

// OpenAI {"error":{"message","type","code"}}, Anthropic {"type":"error","error":{"type","message"}},
// Gemini {"error":{"code","message","status"}}, and the plain {"error":"..."} or {"message":"..."}
// of smaller OpenAI-compatible servers. Gemini's stream wraps its error in a one-element array.
ApiMessage read_message(const nlohmann::json& document) {
  const nlohmann::json& root = document.is_array() && !document.empty() ? document.front() : document;
  ApiMessage found;
  if (!root.is_object()) return found;
  auto error = root.find("error");
  if (error != root.end() && error->is_object()) {
    found.message = string_field(*error, "message");
    found.type = string_field(*error, "type");
    if (found.type.empty()) found.type = string_field(*error, "status");
    found.code = string_field(*error, "code");
  } else if (error != root.end() && error->is_string()) {
    found.message = error->get<std::string>();
  } else {
    found.message = string_field(root, "message");
    found.type = string_field(root, "type");
  }
  return found;
}

ApiMessage read_body(std::string_view body) {
  auto document = nlohmann::json::parse(body, nullptr, false);
  ApiMessage found = document.is_discarded() ? ApiMessage{} : read_message(document);
  if (found.message.empty()) {
    std::string quoted(body.substr(0, kMaxQuotedBody));
    if (body.size() > kMaxQuotedBody) quoted += "...";
    found.message = quoted.empty() ? "(no message)" : quoted;
  }
  return found;
}

bool is_context_length(const ApiMessage& message) {
  if (message.code == "context_length_exceeded" || message.code == "string_above_max_length") return true;
  const auto text = lowercase(message.message);
  static constexpr std::array<std::string_view, 6> kPhrases = {
      "context length", "context_length", "context window", "prompt is too long",
      "maximum number of tokens", "too many tokens"};
  return std::any_of(kPhrases.begin(), kPhrases.end(), [&](auto phrase) { return text.find(phrase) != std::string::npos; });
}

ErrorCategory category_for_status(long status) {
  if (status == 401 || status == 403) return ErrorCategory::auth;
  if (status == 404) return ErrorCategory::not_found;
  if (status == 408) return ErrorCategory::timeout;
  if (status == 429) return ErrorCategory::rate_limited;
  if (status >= 400 && status < 500) return ErrorCategory::invalid_request;
  return ErrorCategory::unavailable;
}

// Anthropic error types and Gemini (Google RPC) status names.
ErrorCategory category_for_type(std::string_view type) {
  const auto name = lowercase(type);
  if (name == "authentication_error" || name == "permission_error" || name == "unauthenticated" ||
      name == "permission_denied" || name == "invalid_api_key")
    return ErrorCategory::auth;
  if (name == "not_found_error" || name == "not_found") return ErrorCategory::not_found;
  if (name == "rate_limit_error" || name == "resource_exhausted" || name == "rate_limit_exceeded" ||
      name == "insufficient_quota")
    return ErrorCategory::rate_limited;
  if (name == "timeout_error" || name == "deadline_exceeded") return ErrorCategory::timeout;
  if (name == "invalid_request_error" || name == "request_too_large" || name == "invalid_argument" ||
      name == "failed_precondition" || name == "out_of_range")
    return ErrorCategory::invalid_request;
  return ErrorCategory::unavailable;  // api_error, overloaded_error, server_error, internal, unavailable, ...
}

Error make_error(std::string_view owner, std::string prefix, ErrorCategory category, const ApiMessage& message,
                 const Redactor& redactor, std::optional<std::chrono::milliseconds> wait = std::nullopt) {
  std::string text(owner);
  text += ": " + prefix;
  if (category == ErrorCategory::invalid_request && is_context_length(message)) text += "context length exceeded: ";
  text += message.message;
  return Error(category, redactor.redact(text), category == ErrorCategory::rate_limited ? wait : std::nullopt);
}

}  // namespace

Error http_status_error(std::string_view owner, long status, const ResponseHeaders& headers, std::string_view body,
                        const Redactor& redactor) {
  const auto message = read_body(body);
  return make_error(owner, "HTTP " + std::to_string(status) + ": ", category_for_status(status), message, redactor,
                    retry_after(headers));
}

Error api_error_object(std::string_view owner, const nlohmann::json& document, const Redactor& redactor) {
  auto message = read_message(document);
  if (message.message.empty()) message.message = "(no message)";
  auto category = category_for_type(message.type);
  if (message.type.empty() && !message.code.empty()) category = category_for_type(message.code);
  if (is_context_length(message)) category = ErrorCategory::invalid_request;
  const std::string prefix = message.type.empty() ? "API error: " : "API error (" + message.type + "): ";
  return make_error(owner, prefix, category, message, redactor);
}

}  // namespace switchboard::remote
