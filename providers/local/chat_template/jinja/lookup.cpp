// Attribute, item and slice lookup, iteration, and the Python methods templates call on
// strings, lists and dicts.

#include <algorithm>
#include <optional>

#include "jinja/builtin_support.hpp"
#include "jinja/builtins.hpp"
#include "jinja/eval_error.hpp"
#include "jinja/operators.hpp"
#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {
namespace {

Value string_list(const std::vector<std::string>& parts) {
  std::vector<Value> items;
  items.reserve(parts.size());
  for (const auto& part : parts) items.emplace_back(part);
  return Value::list(std::move(items));
}

int64_t int_argument(const Value& value, const char* what) {
  if (value.is_int() || value.is_bool()) return value.to_int();
  throw EvalError(std::string(what) + " must be an integer, not " + value.type_name());
}

const std::string& string_argument(const Value& value, const char* method) {
  if (!value.is_string()) {
    throw EvalError(std::string(method) + "() argument must be str, not " + value.type_name());
  }
  return value.as_string();
}

// startswith/endswith accept a string or a tuple of strings.
bool affix_matches(const std::string& text, const Value& affix, bool prefix) {
  auto one = [&](const Value& candidate) {
    const std::string& a = string_argument(candidate, prefix ? "startswith" : "endswith");
    if (a.size() > text.size()) return false;
    return prefix ? text.compare(0, a.size(), a) == 0 : text.compare(text.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_list() && affix.as_list()->is_tuple) {
    return std::any_of(affix.as_list()->items.begin(), affix.as_list()->items.end(), one);
  }
  return one(affix);
}

bool all_chars(const std::string& text, bool (*predicate)(char32_t)) {
  const std::u32string s = utf8::decode(text);
  return !s.empty() && std::all_of(s.begin(), s.end(), predicate);
}

std::optional<Value> string_method(const std::string& text, const std::string& name) {
  using Spec = Parameters::Spec;
  auto method = [&](auto body) {
    return make_builtin("str." + name, [text, name, body](CallArgs& args, Interpreter&) -> Value {
      return body(text, args, name);
    });
  };
  if (name == "startswith" || name == "endswith") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"prefix", std::nullopt}});
      return Value(affix_matches(s, p[0], n == "startswith"));
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"chars", Value::none()}});
      return Value(py_strip(s, p[0], n != "rstrip", n != "lstrip"));
    });
  }
  if (name == "split" || name == "rsplit") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"sep", Value::none()}, Spec{"maxsplit", Value(-1)}});
      const int64_t max_split = int_argument(p[1], "maxsplit");
      return string_list(n == "split" ? py_split(s, p[0], max_split) : py_rsplit(s, p[0], max_split));
    });
  }
  if (name == "splitlines") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {});
      std::vector<std::string> lines;
      for (const auto& line : utf8::split_lines(utf8::decode(s))) lines.push_back(utf8::encode(line));
      return string_list(lines);
    });
  }
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {});
      if (n == "upper") return Value(py_upper(s));
      if (n == "lower") return Value(py_lower(s));
      if (n == "title") return Value(py_title(s));
      return Value(py_capitalize(s));
    });
  }
  if (name == "replace") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"old", std::nullopt}, Spec{"new", std::nullopt}, Spec{"count", Value(-1)}});
      std::string out = py_replace(s, string_argument(p[0], "replace"), string_argument(p[1], "replace"),
                                   int_argument(p[2], "count"));
      if (out.size() > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
      return Value(std::move(out));
    });
  }
  if (name == "find" || name == "rfind" || name == "count" || name == "index") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"sub", std::nullopt}});
      const std::string& needle = string_argument(p[0], n.c_str());
      if (n == "count") return Value(py_count(s, needle));
      const int64_t at = py_find(s, needle, n == "rfind");
      if (n == "index" && at < 0) throw EvalError("substring not found");
      return Value(at);
    });
  }
  if (name == "join") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {Spec{"iterable", std::nullopt}});
      std::string out;
      bool first = true;
      for (const auto& item : iterate(p[0])) {
        if (!item.is_string()) throw EvalError("sequence item: expected str instance, " + item.type_name() + " found");
        if (!first) out += s;
        out += item.as_string();
        first = false;
        if (out.size() > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
      }
      return Value(std::move(out));
    });
  }
  if (name == "format") {
    return method([](const std::string& s, CallArgs& args, const std::string&) { return Value(py_format(s, args)); });
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" || name == "islower" ||
      name == "isupper") {
    return method([](const std::string& s, CallArgs& args, const std::string& n) {
      Parameters p(n, args, {});
      if (n == "isdigit") return Value(all_chars(s, utf8::is_digit));
      if (n == "isalpha") return Value(all_chars(s, utf8::is_alpha));
      if (n == "isspace") return Value(all_chars(s, utf8::is_space));
      if (n == "isalnum") return Value(all_chars(s, [](char32_t c) { return utf8::is_alpha(c) || utf8::is_digit(c); }));
      const std::u32string u = utf8::decode(s);
      const bool lower = n == "islower";
      bool any_cased = false;
      for (char32_t c : u) {
        if (utf8::is_alpha(c)) {
          any_cased = true;
          if (lower ? utf8::is_upper(c) : utf8::is_lower(c)) return Value(false);
        }
      }
      return Value(any_cased);
    });
  }
  return std::nullopt;
}

// ImmutableSandboxedEnvironment refuses methods that modify a list or dict.
bool is_mutating_method(const Value& object, const std::string& name) {
  static const char* const list_methods[] = {"append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear"};
  static const char* const dict_methods[] = {"clear", "pop", "popitem", "setdefault", "update"};
  if (object.is_list() && !object.as_list()->is_tuple) {
    return std::find(std::begin(list_methods), std::end(list_methods), name) != std::end(list_methods);
  }
  if (object.is_dict()) {
    return std::find(std::begin(dict_methods), std::end(dict_methods), name) != std::end(dict_methods);
  }
  return false;
}

Value unsafe(const Value& object, const std::string& name) {
  return Value::undefined("access to attribute '" + name + "' of '" + object.type_name() + "' object is unsafe.");
}

std::optional<Value> list_method(const Value& object, const std::string& name) {
  using Spec = Parameters::Spec;
  if (is_mutating_method(object, name)) return unsafe(object, name);
  const ListPtr list = object.as_list();
  if (name == "count") {
    return make_builtin("list.count", [list](CallArgs& args, Interpreter&) {
      Parameters p("count", args, {Spec{"value", std::nullopt}});
      return Value(static_cast<int64_t>(
          std::count_if(list->items.begin(), list->items.end(), [&](const Value& v) { return equals(v, p[0]); })));
    });
  }
  if (name == "index") {
    return make_builtin("list.index", [list](CallArgs& args, Interpreter&) {
      Parameters p("index", args, {Spec{"value", std::nullopt}});
      for (size_t i = 0; i < list->items.size(); ++i) {
        if (equals(list->items[i], p[0])) return Value(static_cast<int64_t>(i));
      }
      throw EvalError(p[0].repr() + " is not in list");
    });
  }
  return std::nullopt;
}

Value dict_items_of(const Dict& dict) {
  std::vector<Value> items;
  items.reserve(dict.entries.size());
  for (const auto& [key, value] : dict.entries) items.push_back(Value::tuple({key, value}));
  return Value::list(std::move(items));
}

std::optional<Value> dict_method(const Value& object, const std::string& name) {
  using Spec = Parameters::Spec;
  if (is_mutating_method(object, name)) return unsafe(object, name);
  const DictPtr dict = object.as_dict();
  if (name == "items" || name == "keys" || name == "values") {
    return make_builtin("dict." + name, [dict, name](CallArgs& args, Interpreter&) {
      Parameters p(name, args, {});
      if (name == "items") return dict_items_of(*dict);
      std::vector<Value> items;
      for (const auto& [key, value] : dict->entries) items.push_back(name == "keys" ? key : value);
      return Value::list(std::move(items));
    });
  }
  if (name == "get") {
    return make_builtin("dict.get", [dict](CallArgs& args, Interpreter&) {
      Parameters p("get", args, {Spec{"key", std::nullopt}, Spec{"default", Value::none()}});
      const Value* found = dict->find(p[0]);
      return found != nullptr ? *found : p[1];
    });
  }
  if (name == "copy") {
    return make_builtin("dict.copy", [dict](CallArgs& args, Interpreter&) {
      Parameters p("copy", args, {});
      Value copy = Value::dict();
      for (const auto& [key, value] : dict->entries) copy.as_dict()->set(key, value);
      return copy;
    });
  }
  return std::nullopt;
}

// The attribute side of lookups: a bound method of a str, list or dict, an Undefined that refuses
// a mutating method, or nothing.
std::optional<Value> method_of(const Value& object, const std::string& name) {
  if (object.is_string()) return string_method(object.as_string(), name);
  if (object.is_list()) return list_method(object, name);
  if (object.is_dict() && object.as_dict()->kind == Dict::Kind::dict) return dict_method(object, name);
  return std::nullopt;
}

Value no_attribute(const Value& object, const std::string& name) {
  return Value::undefined(object_description(object) + " has no attribute '" + name + "'");
}

}  // namespace

Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) fail_undefined(object);
  if (object.is_dict() && object.as_dict()->kind != Dict::Kind::dict) {
    // Namespaces and loop objects expose their fields as attributes.
    const Value* field = object.as_dict()->find(name);
    return field != nullptr ? *field : no_attribute(object, name);
  }
  if (auto method = method_of(object, name)) return *method;
  if (object.is_dict()) {
    const Value* item = object.as_dict()->find(name);
    if (item != nullptr) return *item;
  }
  return no_attribute(object, name);
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) fail_undefined(object);
  if (object.is_dict()) {
    if (object.as_dict()->kind != Dict::Kind::dict && key.is_string()) return get_attribute(object, key.as_string());
    const Value* item = object.as_dict()->find(key);
    if (item != nullptr) return *item;
  } else if ((object.is_list() || object.is_string()) && (key.is_int() || key.is_bool())) {
    int64_t index = key.to_int();
    if (object.is_list()) {
      const auto& items = object.as_list()->items;
      const auto size = static_cast<int64_t>(items.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) return items[static_cast<size_t>(index)];
    } else {
      const std::u32string s = utf8::decode(object.as_string());
      const auto size = static_cast<int64_t>(s.size());
      if (index < 0) index += size;
      if (index >= 0 && index < size) return Value(utf8::encode(s.substr(static_cast<size_t>(index), 1)));
    }
    return Value::undefined(object_description(object) + " has no element " + key.repr());
  }
  if (key.is_string()) {
    if (auto method = method_of(object, key.as_string())) return *method;
  }
  return Value::undefined(object_description(object) + " has no attribute " + key.repr());
}

namespace {

// Python's slice.indices(): clamps start and stop for a sequence of `length` items.
void slice_indices(int64_t length, const Value& start_v, const Value& stop_v, const Value& step_v, int64_t& start,
                   int64_t& stop, int64_t& step) {
  auto as_index = [](const Value& v) -> std::optional<int64_t> {
    if (v.is_none()) return std::nullopt;
    if (v.is_int() || v.is_bool()) return v.to_int();
    throw EvalError("slice indices must be integers or None");
  };
  step = as_index(step_v).value_or(1);
  if (step == 0) throw EvalError("slice step cannot be zero");
  if (step < -INT64_MAX) step = -INT64_MAX;
  const int64_t lower = step < 0 ? -1 : 0;
  const int64_t upper = step < 0 ? length - 1 : length;
  auto clamp = [&](std::optional<int64_t> index, int64_t fallback) {
    if (!index) return fallback;
    int64_t i = *index;
    if (i < 0) {
      i = i < -length ? lower : i + length;
      return std::max(i, lower);
    }
    return std::min(i, upper);
  };
  start = clamp(as_index(start_v), step < 0 ? upper : lower);
  stop = clamp(as_index(stop_v), step < 0 ? lower : upper);
}

template <typename Sequence>
Sequence take_slice(const Sequence& items, int64_t start, int64_t stop, int64_t step) {
  Sequence out;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) {
      out.push_back(items[static_cast<size_t>(i)]);
      if (stop - i <= step) break;
    }
  } else {
    for (int64_t i = start; i > stop; i += step) {
      out.push_back(items[static_cast<size_t>(i)]);
      if (i - stop <= -step) break;
    }
  }
  return out;
}

}  // namespace

Value get_slice(const Value& object, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (object.is_undefined()) fail_undefined(object);
  int64_t start = 0;
  int64_t stop = 0;
  int64_t step = 1;
  if (object.is_list()) {
    const auto& items = object.as_list()->items;
    slice_indices(static_cast<int64_t>(items.size()), start_v, stop_v, step_v, start, stop, step);
    std::vector<Value> out = take_slice(items, start, stop, step);
    return object.as_list()->is_tuple ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  if (object.is_string()) {
    const std::u32string s = utf8::decode(object.as_string());
    slice_indices(static_cast<int64_t>(s.size()), start_v, stop_v, step_v, start, stop, step);
    return Value(utf8::encode(take_slice(s, start, stop, step)));
  }
  // jinja2 turns the TypeError of slicing a non-sequence into Undefined.
  return Value::undefined(object_description(object) + " is not subscriptable");
}

std::vector<Value> iterate(const Value& value) {
  switch (value.type()) {
    case Value::Type::undefined:
      return {};
    case Value::Type::list:
      return value.as_list()->items;
    case Value::Type::dict: {
      if (value.as_dict()->kind != Dict::Kind::dict) break;
      std::vector<Value> keys;
      keys.reserve(value.as_dict()->entries.size());
      for (const auto& [key, item] : value.as_dict()->entries) keys.push_back(key);
      return keys;
    }
    case Value::Type::string: {
      std::vector<Value> chars;
      for (char32_t c : utf8::decode(value.as_string())) chars.emplace_back(utf8::encode(std::u32string(1, c)));
      return chars;
    }
    default:
      break;
  }
  throw EvalError("'" + value.type_name() + "' object is not iterable");
}

}  // namespace switchboard::local::jinja
