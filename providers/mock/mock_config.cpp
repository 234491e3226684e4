#include "mock_config.hpp"

#include <initializer_list>
#include <stdexcept>

namespace switchboard::mock {
namespace {

using nlohmann::json;

// Reads one options object, remembering where it is so that every error names the key.
class Reader {
 public:
  Reader(const json& object, std::string owner, std::string path)
      : object_(object), owner_(std::move(owner)), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_, "expected a mapping, got " + object_.dump());
  }

  [[noreturn]] void fail(const std::string& key_path, const std::string& what) const {
    throw Error(ErrorCategory::config, owner_ + ": " + key_path + ": " + what);
  }
  std::string key_path(const std::string& key) const { return path_ + "." + key; }

  void only_keys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_.items()) {
      bool known = false;
      for (auto name : allowed) known = known || key == name;
      if (known) continue;
      std::string list;
      for (auto name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      fail(key_path(key), "unknown key; expected one of: " + list);
    }
  }

  bool has(const char* key) const { return object_.contains(key); }
  const json& at(const char* key) const { return object_.at(key); }

  std::string string(const char* key) const {
    const auto& value = at(key);
    if (!value.is_string()) fail(key_path(key), "expected a string, got " + value.dump());
    return value.get<std::string>();
  }
  bool boolean(const char* key) const {
    const auto& value = at(key);
    if (!value.is_boolean()) fail(key_path(key), "expected true or false, got " + value.dump());
    return value.get<bool>();
  }
  // Capped at a day so that the delay always fits a std::chrono duration.
  double milliseconds(const char* key) const {
    constexpr double kDayMs = 86'400'000;
    const auto& value = at(key);
    const double ms = value.is_number() ? value.get<double>() : -1;
    if (!(ms >= 0 && ms <= kDayMs))  // also refuses NaN
      fail(key_path(key), "expected a number of milliseconds >= 0 and <= 86400000 (a day), got " + value.dump());
    return ms;
  }
  std::int64_t integer(const char* key, std::int64_t minimum) const {
    const auto& value = at(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() < minimum)
      fail(key_path(key), "expected an integer >= " + std::to_string(minimum) + ", got " + value.dump());
    return value.get<std::int64_t>();
  }
  ErrorCategory category(const char* key) const {
    const auto name = string(key);
    const auto category = error_category_from_string(name);
    if (!category)
      fail(key_path(key), "unknown error category '" + name +
                              "'; expected config, plugin, not_found, unavailable, auth, rate_limited, "
                              "timeout, invalid_request, model_format or internal");
    return *category;
  }

  const std::string& owner() const { return owner_; }

 private:
  const json& object_;
  std::string owner_;
  std::string path_;
};

ToolCall read_tool_call(const json& object, const std::string& owner, const std::string& path) {
  Reader reader(object, owner, path);
  reader.only_keys({"name", "arguments"});
  if (!reader.has("name")) reader.fail(path, "missing 'name'");
  ToolCall call;
  call.name = reader.string("name");
  if (reader.has("arguments")) {
    const auto& arguments = reader.at("arguments");
    if (!arguments.is_object())
      reader.fail(reader.key_path("arguments"), "expected a mapping of argument names to values, got " +
                                                    arguments.dump());
    call.arguments = arguments.dump();
  } else {
    call.arguments = "{}";
  }
  return call;
}

ScriptedReply read_reply(const json& object, const std::string& owner, const std::string& path) {
  Reader reader(object, owner, path);
  reader.only_keys({"match", "pattern", "reply", "tool_calls"});
  if (reader.has("match") == reader.has("pattern")) reader.fail(path, "expected exactly one of 'match' or 'pattern'");
  if (!reader.has("reply") && !reader.has("tool_calls")) reader.fail(path, "expected 'reply', 'tool_calls' or both");

  ScriptedReply reply;
  if (reader.has("match")) reply.match = reader.string("match");
  if (reader.has("pattern")) {
    const auto pattern = reader.string("pattern");
    try {
      reply.pattern.emplace(pattern);
    } catch (const std::invalid_argument& error) {
      reader.fail(reader.key_path("pattern"), "not a valid regular expression: " + pattern + " (" + error.what() + ")");
    }
  }
  if (reader.has("reply")) reply.text = reader.string("reply");
  if (reader.has("tool_calls")) {
    const auto& calls = reader.at("tool_calls");
    const auto calls_path = reader.key_path("tool_calls");
    if (!calls.is_array() || calls.empty()) reader.fail(calls_path, "expected a non-empty list, got " + calls.dump());
    for (std::size_t i = 0; i < calls.size(); ++i)
      reply.tool_calls.push_back(read_tool_call(calls[i], owner, calls_path + "[" + std::to_string(i) + "]"));
  }
  return reply;
}

InjectedFailure read_failure(const json& object, const std::string& owner, const std::string& path) {
  Reader reader(object, owner, path);
  reader.only_keys({"category", "message", "after_tokens", "on_call"});
  if (!reader.has("category")) reader.fail(path, "missing 'category'");
  InjectedFailure failure;
  failure.category = reader.category("category");
  failure.message = reader.has("message") ? reader.string("message") : "failure injected by the mock provider";
  if (reader.has("after_tokens")) failure.after_tokens = reader.integer("after_tokens", 0);
  if (reader.has("on_call")) failure.on_call = reader.integer("on_call", 1);
  return failure;
}

Error read_load_failure(const json& object, const std::string& owner, const std::string& path) {
  Reader reader(object, owner, path);
  reader.only_keys({"category", "message"});
  if (!reader.has("category")) reader.fail(path, "missing 'category'");
  const auto category = reader.category("category");
  return Error(category, reader.has("message") ? reader.string("message") : "load failure injected by the mock provider");
}

}  // namespace

bool ScriptedReply::matches(const std::string& input) const {
  if (match) return input == *match;
  return pattern && pattern->found_in(input);
}

MockConfig parse_config(const json& options, const std::string& owner) {
  Reader reader(options, owner, "options");
  reader.only_keys({"replies", "default_reply", "mode", "loop", "token_delay_ms", "load_delay_ms", "fail",
                    "fail_load"});
  MockConfig config;
  if (reader.has("replies")) {
    const auto& replies = reader.at("replies");
    if (!replies.is_array()) reader.fail("options.replies", "expected a list, got " + replies.dump());
    for (std::size_t i = 0; i < replies.size(); ++i)
      config.replies.push_back(read_reply(replies[i], owner, "options.replies[" + std::to_string(i) + "]"));
  }
  if (reader.has("default_reply")) config.default_reply = reader.string("default_reply");
  if (reader.has("mode")) {
    const auto mode = reader.string("mode");
    if (mode != "echo" && mode != "script")
      reader.fail("options.mode", "expected 'script' or 'echo', got '" + mode + "'");
    config.echo = mode == "echo";
    if (config.echo && reader.has("default_reply"))
      reader.fail("options.default_reply", "has no effect with mode: echo (echo answers unmatched messages)");
  }
  if (reader.has("loop")) config.loop = reader.boolean("loop");
  if (reader.has("token_delay_ms")) config.token_delay_ms = reader.milliseconds("token_delay_ms");
  if (reader.has("load_delay_ms")) config.load_delay_ms = reader.milliseconds("load_delay_ms");
  if (reader.has("fail")) config.fail = read_failure(reader.at("fail"), owner, "options.fail");
  if (reader.has("fail_load")) config.fail_load = read_load_failure(reader.at("fail_load"), owner, "options.fail_load");
  return config;
}

json layer_options(const json& provider_options, const json& model_options) {
  json layered = provider_options.is_object() ? provider_options : json::object();
  if (model_options.is_object())
    for (const auto& [key, value] : model_options.items()) layered[key] = value;
  return layered;
}

}  // namespace switchboard::mock
