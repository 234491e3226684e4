#pragma once
// Shared by the builtin filters, tests, methods and globals: Python-style argument binding and
// Python's str operations on UTF-8 strings.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

// Binds positional and keyword arguments to named parameters the way Python does, with defaults
// for the optional ones; too many, unknown, duplicate or missing arguments throw EvalError.
class Parameters {
 public:
  struct Spec {
    std::string_view name;
    std::optional<Value> default_value;  // nullopt: required
  };

  Parameters(std::string_view function, const CallArgs& args, std::initializer_list<Spec> specs);
  const Value& operator[](size_t index) const { return values_[index]; }

 private:
  std::vector<Value> values_;
};

// Python str methods (ASCII case rules; see docs/chat_template.md).
std::string py_strip(const std::string& text, const Value& chars, bool left, bool right);
std::string py_upper(const std::string& text);
std::string py_lower(const std::string& text);
std::string py_capitalize(const std::string& text);
std::string py_title(const std::string& text);
std::vector<std::string> py_split(const std::string& text, const Value& separator, int64_t max_split);
std::vector<std::string> py_rsplit(const std::string& text, const Value& separator, int64_t max_split);
std::string py_replace(const std::string& text, const std::string& old, const std::string& replacement,
                       int64_t count);
// str.find / str.count over code points; -1 when absent.
int64_t py_find(const std::string& text, const std::string& needle, bool reverse);
int64_t py_count(const std::string& text, const std::string& needle);
// str.format with {} / {0} / {name} fields and no format specs.
std::string py_format(const std::string& format, const CallArgs& args);

// How jinja2 names an object in "has no attribute" hints: 'None', "'dict object'".
std::string object_description(const Value& value);

Value make_builtin(std::string name, std::function<Value(CallArgs&, Interpreter&)> function);

}  // namespace switchboard::local::jinja
