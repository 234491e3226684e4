#pragma once
// Typed reads from config.json that name the file and field when a value is missing or wrong.

#include <limits>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <switchboard/error.hpp>

namespace switchboard::local {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& json, std::string source) : json_(json), source_(std::move(source)) {}

  const nlohmann::json& json() const { return json_; }
  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }

  [[noreturn]] void fail(const std::string& key, const std::string& expected) const {
    const std::string got = json_.contains(key) ? json_[key].dump() : std::string("nothing");
    throw Error(ErrorCategory::model_format, source_ + ": '" + key + "': expected " + expected + ", got " + got);
  }

  int positive_int(const char* key) const {
    if (!has(key) || !fits_int(json_[key]) || json_[key].get<int>() <= 0) fail(key, "a positive integer (at most 2147483647)");
    return json_[key].get<int>();
  }
  std::optional<int> optional_int(const char* key) const {
    if (!has(key)) return std::nullopt;
    if (!fits_int(json_[key])) fail(key, "an integer (between -2147483648 and 2147483647)");
    return json_[key].get<int>();
  }
  std::optional<double> optional_number(const char* key) const {
    if (!has(key)) return std::nullopt;
    if (!json_[key].is_number()) fail(key, "a number");
    return json_[key].get<double>();
  }
  double number(const char* key, double fallback) const { return optional_number(key).value_or(fallback); }
  bool boolean(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_boolean()) fail(key, "true or false");
    return json_[key].get<bool>();
  }
  std::string string(const char* key, const std::string& fallback = {}) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_string()) fail(key, "a string");
    return json_[key].get<std::string>();
  }
  const std::string& source() const { return source_; }

 private:
  // A JSON integer beyond int's range would wrap when read as int (2147483648 reads as negative).
  static bool fits_int(const nlohmann::json& value) {
    if (value.is_number_unsigned()) return value.get<unsigned long long>() <= static_cast<unsigned long long>(std::numeric_limits<int>::max());
    if (!value.is_number_integer()) return false;
    const long long number = value.get<long long>();
    return number >= std::numeric_limits<int>::min() && number <= std::numeric_limits<int>::max();
  }

  const nlohmann::json& json_;
  std::string source_;
};

}  // namespace switchboard::local
