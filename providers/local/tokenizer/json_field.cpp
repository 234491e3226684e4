#include "json_field.hpp"

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace {

std::string short_rendering(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr size_t kLimit = 60;
  if (text.size() > kLimit) text = text.substr(0, kLimit) + "...";
  return std::string(value.type_name()) + " " + text;
}

}  // namespace

JsonField JsonField::operator[](std::string_view key) const {
  if (!value_->is_object()) expected("an object with member \"" + std::string(key) + "\"");
  const auto found = value_->find(key);
  const std::string child = path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  if (found == value_->end() || found->is_null()) {
    throw Error(ErrorCategory::model_format, file_ + ": " + child + ": required field is missing");
  }
  return JsonField(*found, file_, child);
}

std::optional<JsonField> JsonField::optional(std::string_view key) const {
  if (!value_->is_object()) return std::nullopt;
  const auto found = value_->find(key);
  if (found == value_->end() || found->is_null()) return std::nullopt;
  return JsonField(*found, file_, path_.empty() ? std::string(key) : path_ + "." + std::string(key));
}

JsonField JsonField::at(size_t index) const {
  if (!value_->is_array() || index >= value_->size()) expected("an array of more than " + std::to_string(index) + " items");
  return JsonField((*value_)[index], file_, path_ + "[" + std::to_string(index) + "]");
}

std::string JsonField::string() const {
  if (!value_->is_string()) expected("a string");
  return value_->get<std::string>();
}

bool JsonField::boolean() const {
  if (!value_->is_boolean()) expected("true or false");
  return value_->get<bool>();
}

int64_t JsonField::integer() const {
  if (!value_->is_number_integer()) expected("an integer");
  return value_->get<int64_t>();
}

int32_t JsonField::token_id() const {
  if (!value_->is_number_integer() || value_->get<int64_t>() < 0 || value_->get<int64_t>() > kMaxTokenId) {
    expected("a token id from 0 to " + std::to_string(kMaxTokenId));
  }
  return static_cast<int32_t>(value_->get<int64_t>());
}

size_t JsonField::size() const {
  if (!value_->is_array() && !value_->is_object()) expected("an array or an object");
  return value_->size();
}

bool JsonField::boolean_or(std::string_view key, bool fallback) const {
  const auto member = optional(key);
  return member ? member->boolean() : fallback;
}

int64_t JsonField::integer_or(std::string_view key, int64_t fallback) const {
  const auto member = optional(key);
  return member ? member->integer() : fallback;
}

void JsonField::fail(std::string_view message) const {
  throw Error(ErrorCategory::model_format, file_ + ": " + (path_.empty() ? "(top level)" : path_) + ": " +
                                               std::string(message));
}

void JsonField::expected(std::string_view what) const {
  fail("expected " + std::string(what) + ", found " + short_rendering(*value_));
}

}  // namespace switchboard::local
