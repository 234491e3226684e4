#pragma once
// A JSON value that knows where it came from, so that every load error names the file and the
// field ("tokenizer.json: model.merges[12]: expected ...") without threading strings by hand.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace switchboard::local {

class JsonField {
 public:
  JsonField(const nlohmann::json& value, std::string file, std::string path)
      : value_(&value), file_(std::move(file)), path_(std::move(path)) {}

  // A member that must be present (null counts as absent).
  JsonField operator[](std::string_view key) const;
  // A member that may be absent or null.
  std::optional<JsonField> optional(std::string_view key) const;
  JsonField at(size_t index) const;

  std::string string() const;
  bool boolean() const;
  int64_t integer() const;
  // An integer from 0 to kMaxTokenId: larger ids only come from corrupt files, and refusing them
  // keeps id-indexed tables a sane size.
  int32_t token_id() const;
  static constexpr int64_t kMaxTokenId = (int64_t{1} << 24) - 1;
  size_t size() const;  // of an array or an object
  bool is_string() const { return value_->is_string(); }
  bool is_array() const { return value_->is_array(); }
  bool is_object() const { return value_->is_object(); }

  // Optional members with a default.
  bool boolean_or(std::string_view key, bool fallback) const;
  int64_t integer_or(std::string_view key, int64_t fallback) const;

  const nlohmann::json& json() const { return *value_; }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  // Throws Error(model_format): "<file>: <path>: <message>".
  [[noreturn]] void fail(std::string_view message) const;
  // "expected <what>, found <a short rendering of the value>".
  [[noreturn]] void expected(std::string_view what) const;

 private:
  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

}  // namespace switchboard::local
