// jinja2's builtin filters, with transformers' tojson. Each follows the jinja2 3.1 function of the
// same name: defaults, case-insensitive sorting, Undefined handling.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "jinja/builtin_support.hpp"
#include "jinja/builtins.hpp"
#include "jinja/eval_error.hpp"
#include "jinja/interpreter.hpp"
#include "jinja/operators.hpp"
#include "jinja/python_json.hpp"
#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {
namespace {

using Spec = Parameters::Spec;
using Filter = Value (*)(Interpreter&, const Value&, CallArgs&);

Value string_result(std::string text) {
  if (text.size() > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
  return Value(std::move(text));
}

// jinja2's attribute getter for filters: "a.b.0" looks up items first, integers as indexes.
Value lookup_path(const Value& item, const Value& attribute) {
  if (attribute.is_int()) return get_item(item, attribute);
  Value current = item;
  const std::string path = attribute.str();
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    current = numeric && part.size() < 18 ? get_item(current, Value(static_cast<int64_t>(std::stoll(part))))
                                          : get_item(current, Value(part));
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

// The key sort/unique/min/max compare by: the attribute, lowercased unless case-sensitive.
Value sort_key(const Value& item, const Value& attribute, bool case_sensitive) {
  Value key = attribute.is_none() ? item : lookup_path(item, attribute);
  if (!case_sensitive && key.is_string()) return Value(py_lower(key.as_string()));
  return key;
}

bool less(const Value& a, const Value& b) {
  try {
    return less_than(a, b);
  } catch (const std::invalid_argument&) {
    throw EvalError("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
  }
}

Value f_trim(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("trim", args, {Spec{"chars", Value::none()}});
  return Value(py_strip(v.str(), p[0], true, true));
}

Value f_tojson(Interpreter&, const Value& v, CallArgs& args) {
  // transformers: json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)
  Parameters p("tojson", args, {Spec{"ensure_ascii", Value(false)}, Spec{"indent", Value::none()},
                                Spec{"separators", Value::none()}, Spec{"sort_keys", Value(false)}});
  JsonDumpOptions options;
  options.ensure_ascii = p[0].truthy();
  if (p[1].is_int() || p[1].is_bool()) {
    options.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(p[1].to_int(), 0, 1024)), ' ');
  } else if (p[1].is_string()) {
    options.indent = p[1].as_string();
  } else if (!p[1].is_none()) {
    throw EvalError("tojson indent must be an int, a str or None");
  }
  if (!p[2].is_none()) {
    const auto items = iterate(p[2]);
    if (items.size() != 2 || !items[0].is_string() || !items[1].is_string()) {
      throw EvalError("tojson separators must be a pair of strings");
    }
    options.item_separator = items[0].as_string();
    options.key_separator = items[1].as_string();
  }
  options.sort_keys = p[3].truthy();
  try {
    return string_result(python_json_dumps(v, options));
  } catch (const std::invalid_argument& error) {
    throw EvalError(error.what());
  }
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("length", args, {});
  switch (v.type()) {
    case Value::Type::undefined: return Value(int64_t{0});
    case Value::Type::string: return Value(static_cast<int64_t>(utf8::length(v.as_string())));
    case Value::Type::list: return Value(static_cast<int64_t>(v.as_list()->items.size()));
    case Value::Type::dict: return Value(static_cast<int64_t>(v.as_dict()->entries.size()));
    default: throw EvalError("object of type '" + v.type_name() + "' has no len()");
  }
}

Value f_upper(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("upper", args, {});
  return Value(py_upper(v.str()));
}
Value f_lower(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("lower", args, {});
  return Value(py_lower(v.str()));
}
Value f_capitalize(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("capitalize", args, {});
  return Value(py_capitalize(v.str()));
}

Value f_title(Interpreter&, const Value& v, CallArgs& args) {
  // jinja2's title is not str.title: words start after spaces, '-', and opening brackets only.
  Parameters p("title", args, {});
  std::string out = v.str();
  bool word_start = true;
  for (char& c : out) {
    const bool separator = c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
                           c == '\f' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      word_start = true;
      continue;
    }
    if (word_start) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c + 32);
    }
    word_start = false;
  }
  return Value(std::move(out));
}

Value f_string(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("string", args, {});
  return Value(v.str());
}

// Python's int(text, base) for the literal forms templates meet.
std::optional<int64_t> parse_int(const std::string& raw, int64_t base) {
  std::string text = py_strip(raw, Value::none(), true, true);
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, static_cast<int>(base));
  if (errno != 0 || end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_float(const std::string& raw) {
  const std::string text = py_strip(raw, Value::none(), true, true);
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("int", args, {Spec{"default", Value(0)}, Spec{"base", Value(10)}});
  if (v.is_int() || v.is_bool()) return Value(v.to_int());
  if (v.is_float()) {
    if (!std::isfinite(v.as_float()) || std::fabs(v.as_float()) >= 9.2e18) return p[0];
    return Value(static_cast<int64_t>(v.as_float()));
  }
  if (v.is_string()) {
    const int64_t base = p[1].is_int() ? p[1].as_int() : 10;
    if (base >= 2 && base <= 36) {
      if (auto parsed = parse_int(v.as_string(), base)) return Value(*parsed);
    }
    // jinja2 falls back to int(float(value)).
    if (auto parsed = parse_float(v.as_string()); parsed && std::isfinite(*parsed) && std::fabs(*parsed) < 9.2e18) {
      return Value(static_cast<int64_t>(*parsed));
    }
  }
  return p[0];
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("float", args, {Spec{"default", Value(0.0)}});
  if (v.is_number()) return Value(v.to_float());
  if (v.is_string()) {
    if (auto parsed = parse_float(v.as_string())) return Value(*parsed);
  }
  return p[0];
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("items", args, {});
  if (v.is_undefined()) return Value::list();
  if (!v.is_dict() || v.as_dict()->kind != Dict::Kind::dict) throw EvalError("can only get item pairs from a mapping");
  std::vector<Value> items;
  for (const auto& [key, value] : v.as_dict()->entries) items.push_back(Value::tuple({key, value}));
  return Value::list(std::move(items));
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("first", args, {});
  const auto items = iterate(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("last", args, {});
  const auto items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_join(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("join", args, {Spec{"d", Value("")}, Spec{"attribute", Value::none()}});
  const std::string separator = p[0].str();
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first) out += separator;
    out += (p[1].is_none() ? item : lookup_path(item, p[1])).str();
    first = false;
    if (out.size() > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
  }
  return Value(std::move(out));
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("default", args, {Spec{"default_value", Value("")}, Spec{"boolean", Value(false)}});
  if (v.is_undefined() || (p[1].truthy() && !v.truthy())) return p[0];
  return v;
}

Value f_replace(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("replace", args, {Spec{"old", std::nullopt}, Spec{"new", std::nullopt}, Spec{"count", Value::none()}});
  const int64_t count = p[2].is_none() ? -1 : (p[2].is_number() ? p[2].to_int() : -1);
  return string_result(py_replace(v.str(), p[0].str(), p[1].str(), count));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("reverse", args, {});
  if (v.is_string()) {
    std::u32string s = utf8::decode(v.as_string());
    std::reverse(s.begin(), s.end());
    return Value(utf8::encode(s));
  }
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_list(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("list", args, {});
  return Value::list(iterate(v));
}

Value f_map(Interpreter& interpreter, const Value& v, CallArgs& args) {
  std::vector<Value> out;
  const auto items = iterate(v);
  Value attribute;
  Value default_value = Value::undefined();
  bool by_attribute = false;
  for (const auto& [name, value] : args.keyword) {
    if (name == "attribute") {
      attribute = value;
      by_attribute = true;
    } else if (name == "default") {
      default_value = value;
    }
  }
  if (by_attribute) {
    for (const auto& item : items) {
      Value mapped = lookup_path(item, attribute);
      out.push_back(mapped.is_undefined() && !default_value.is_undefined() ? default_value : mapped);
    }
    return Value::list(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    throw EvalError("map requires a filter name or attribute=");
  }
  const std::string filter = args.positional[0].as_string();
  if (!is_filter(filter)) throw EvalError("no filter named '" + filter + "'");
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const auto& item : items) {
    CallArgs call = rest;
    out.push_back(apply_filter(interpreter, filter, item, call));
  }
  return Value::list(std::move(out));
}

// select/reject/selectattr/rejectattr: keep items whose (attribute's) test result is `keep`.
Value select_items(Interpreter& interpreter, const Value& v, CallArgs& args, bool by_attribute, bool keep) {
  const auto items = iterate(v);
  size_t next = 0;
  Value attribute;
  if (by_attribute) {
    if (args.positional.empty()) throw EvalError("missing attribute name");
    attribute = args.positional[next++];
  }
  std::string test;
  if (next < args.positional.size()) {
    if (!args.positional[next].is_string()) throw EvalError("test name must be a string");
    test = args.positional[next++].as_string();
    if (!is_test(test)) throw EvalError("no test named '" + test + "'");
  }
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next), args.positional.end());
  test_args.keyword = args.keyword;
  std::vector<Value> out;
  for (const auto& item : items) {
    const Value subject = by_attribute ? lookup_path(item, attribute) : item;
    CallArgs call = test_args;
    const bool result = test.empty() ? subject.truthy() : apply_test(interpreter, test, subject, call);
    if (result == keep) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value f_select(Interpreter& i, const Value& v, CallArgs& a) { return select_items(i, v, a, false, true); }
Value f_reject(Interpreter& i, const Value& v, CallArgs& a) { return select_items(i, v, a, false, false); }
Value f_selectattr(Interpreter& i, const Value& v, CallArgs& a) { return select_items(i, v, a, true, true); }
Value f_rejectattr(Interpreter& i, const Value& v, CallArgs& a) { return select_items(i, v, a, true, false); }

Value f_unique(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("unique", args, {Spec{"case_sensitive", Value(false)}, Spec{"attribute", Value::none()}});
  std::vector<Value> out;
  std::vector<Value> seen;
  for (const auto& item : iterate(v)) {
    Value key = sort_key(item, p[1], p[0].truthy());
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::list(std::move(out));
}

Value f_sort(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("sort", args, {Spec{"reverse", Value(false)}, Spec{"case_sensitive", Value(false)},
                              Spec{"attribute", Value::none()}});
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& item : iterate(v)) keyed.emplace_back(sort_key(item, p[2], p[1].truthy()), item);
  const bool reverse = p[0].truthy();
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return reverse ? less(b.first, a.first) : less(a.first, b.first);
  });
  std::vector<Value> out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value::list(std::move(out));
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("dictsort", args, {Spec{"case_sensitive", Value(false)}, Spec{"by", Value("key")},
                                  Spec{"reverse", Value(false)}});
  if (!v.is_dict()) throw EvalError("dictsort requires a mapping");
  const bool by_value = p[1].str() == "value";
  if (!by_value && p[1].str() != "key") throw EvalError("You can only sort by either \"key\" or \"value\"");
  std::vector<Value> pairs;
  for (const auto& [key, value] : v.as_dict()->entries) pairs.push_back(Value::tuple({key, value}));
  const bool case_sensitive = p[0].truthy();
  const bool reverse = p[2].truthy();
  auto key_of = [&](const Value& pair) {
    const Value& k = pair.as_list()->items[by_value ? 1 : 0];
    return !case_sensitive && k.is_string() ? Value(py_lower(k.as_string())) : k;
  };
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    return reverse ? less(key_of(b), key_of(a)) : less(key_of(a), key_of(b));
  });
  return Value::list(std::move(pairs));
}

Value extreme(const Value& v, CallArgs& args, const char* name, bool want_max) {
  Parameters p(name, args, {Spec{"case_sensitive", Value(false)}, Spec{"attribute", Value::none()}});
  const auto items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key = sort_key(items[0], p[1], p[0].truthy());
  for (size_t i = 1; i < items.size(); ++i) {
    Value key = sort_key(items[i], p[1], p[0].truthy());
    if (want_max ? less(best_key, key) : less(key, best_key)) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}

Value f_min(Interpreter&, const Value& v, CallArgs& args) { return extreme(v, args, "min", false); }
Value f_max(Interpreter&, const Value& v, CallArgs& args) { return extreme(v, args, "max", true); }

Value f_sum(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("sum", args, {Spec{"attribute", Value::none()}, Spec{"start", Value(0)}});
  Value total = p[1];
  for (const auto& item : iterate(v)) {
    total = binary_operation("+", total, p[0].is_none() ? item : lookup_path(item, p[0]));
  }
  return total;
}

Value f_safe(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("safe", args, {});
  return v.is_string() ? v : Value(v.str());
}

Value f_escape(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("escape", args, {});
  std::string out;
  for (char c : v.str()) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return string_result(std::move(out));
}

Value f_indent(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("indent", args, {Spec{"width", Value(4)}, Spec{"first", Value(false)}, Spec{"blank", Value(false)}});
  std::string indentation;
  if (p[0].is_string()) {
    indentation = p[0].as_string();
  } else if (p[0].is_int() || p[0].is_bool()) {
    indentation.assign(static_cast<size_t>(std::clamp<int64_t>(p[0].to_int(), 0, 1024)), ' ');
  } else {
    throw EvalError("indent width must be an int or a str");
  }
  // jinja2 appends a newline before splitlines(), so a trailing newline is not indented.
  const auto lines = utf8::split_lines(utf8::decode(v.str() + "\n"));
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = utf8::encode(lines[i]);
    if (i > 0) {
      out += "\n";
      if (p[2].truthy() || !line.empty()) out += indentation;
    }
    out += line;
    if (out.size() > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
  }
  if (p[1].truthy()) out = indentation + out;
  return string_result(std::move(out));
}

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("abs", args, {});
  if (v.is_float()) return Value(std::fabs(v.as_float()));
  if (v.is_int() || v.is_bool()) {
    if (v.to_int() == INT64_MIN) throw EvalError("integer overflow: the result does not fit in 64 bits");
    return Value(v.to_int() < 0 ? -v.to_int() : v.to_int());
  }
  throw EvalError("bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("round", args, {Spec{"precision", Value(0)}, Spec{"method", Value("common")}});
  if (!v.is_number()) throw EvalError("type " + v.type_name() + " doesn't define __round__ method");
  const int64_t precision = p[0].is_number() ? std::clamp<int64_t>(p[0].to_int(), -300, 300) : 0;
  const std::string method = p[1].str();
  if (method != "common" && method != "floor" && method != "ceil") {
    throw EvalError("method must be 'common', 'ceil' or 'floor'");
  }
  if (method == "common") {
    // Python's round(): an int stays an int; a float rounds half to even on its exact value.
    if (!v.is_float()) return Value(v.to_int());
    const double x = v.as_float();
    if (!std::isfinite(x)) return Value(x);
    if (precision >= 0) {
      char buffer[512];
      std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), x);
      return Value(std::strtod(buffer, nullptr));
    }
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value(std::nearbyint(x / scale) * scale);
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = v.to_float() * scale;
  return Value((method == "floor" ? std::floor(scaled) : std::ceil(scaled)) / scale);
}

Value f_attr(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("attr", args, {Spec{"name", std::nullopt}});
  if (v.is_dict() && v.as_dict()->kind == Dict::Kind::dict) {
    // attr() reads attributes only, never items: a dict's keys are not its attributes.
    Value method = get_attribute(Value::dict(), p[0].str());
    if (method.is_undefined()) return Value::undefined(object_description(v) + " has no attribute '" + p[0].str() + "'");
    return get_attribute(v, p[0].str());
  }
  return get_attribute(v, p[0].str());
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& args) {
  Parameters p("wordcount", args, {});
  return Value(static_cast<int64_t>(py_split(v.str(), Value::none(), -1).size()));
}

const std::map<std::string, Filter, std::less<>>& filters() {
  static const std::map<std::string, Filter, std::less<>> table = {
      {"abs", f_abs},           {"attr", f_attr},       {"capitalize", f_capitalize}, {"count", f_length},
      {"d", f_default},         {"default", f_default}, {"dictsort", f_dictsort},     {"e", f_escape},
      {"escape", f_escape},     {"first", f_first},     {"float", f_float},           {"indent", f_indent},
      {"int", f_int},           {"items", f_items},     {"join", f_join},             {"last", f_last},
      {"length", f_length},     {"list", f_list},       {"lower", f_lower},           {"map", f_map},
      {"max", f_max},           {"min", f_min},         {"reject", f_reject},         {"rejectattr", f_rejectattr},
      {"replace", f_replace},   {"reverse", f_reverse}, {"round", f_round},           {"safe", f_safe},
      {"select", f_select},     {"selectattr", f_selectattr}, {"sort", f_sort},       {"string", f_string},
      {"sum", f_sum},           {"title", f_title},     {"tojson", f_tojson},         {"trim", f_trim},
      {"unique", f_unique},     {"upper", f_upper},     {"wordcount", f_wordcount},
  };
  return table;
}

}  // namespace

bool is_filter(std::string_view name) { return filters().find(name) != filters().end(); }

Value apply_filter(Interpreter& interpreter, std::string_view name, const Value& input, CallArgs& arguments) {
  const auto it = filters().find(name);
  if (it == filters().end()) throw EvalError("no filter named '" + std::string(name) + "'");
  return it->second(interpreter, input, arguments);
}

}  // namespace switchboard::local::jinja
