#include "jinja/value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {

size_t nesting_of(const Value& value) {
  if (value.is_list()) return value.as_list()->depth;
  if (value.is_dict()) return value.as_dict()->depth;
  return 0;
}

namespace {

size_t checked_depth(const std::vector<Value>& items) {
  size_t deepest = 0;
  for (const auto& item : items) deepest = std::max(deepest, nesting_of(item));
  if (deepest + 1 > kMaxNesting) throw std::length_error("value nested more than 512 levels deep");
  return deepest + 1;
}

}  // namespace

Value Value::list(std::vector<Value> items) {
  auto list = std::make_shared<List>();
  list->depth = checked_depth(items);
  list->items = std::move(items);
  return Value(std::move(list));
}

Value Value::tuple(std::vector<Value> items) {
  Value result = list(std::move(items));
  result.as_list()->is_tuple = true;
  return result;
}

Value Value::dict() { return Value(std::make_shared<Dict>()); }

namespace {

Value value_from_json(const nlohmann::ordered_json& json, size_t depth);

}  // namespace

Value Value::from_json(const nlohmann::ordered_json& json) { return value_from_json(json, 0); }

namespace {

Value value_from_json(const nlohmann::ordered_json& json, size_t depth) {
  if (depth >= kMaxNesting) throw std::length_error("JSON nested more than 512 levels deep");
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value(json.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = json.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value(json.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(value_from_json(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Value result = Value::dict();
      for (const auto& [key, item] : json.items()) {
        result.as_dict()->set(Value(key), value_from_json(item, depth + 1));
      }
      return result;
    }
    default:  // binary and discarded values have no Python counterpart here
      return Value::none();
  }
}

}  // namespace

bool Value::truthy() const {
  switch (type()) {
    case Type::undefined:
    case Type::none:
      return false;
    case Type::boolean:
      return as_bool();
    case Type::integer:
      return as_int() != 0;
    case Type::floating:
      return as_float() != 0.0;
    case Type::string:
      return !as_string().empty();
    case Type::list:
      return !as_list()->items.empty();
    case Type::dict:
      return as_dict()->kind != Dict::Kind::dict || !as_dict()->entries.empty();
    case Type::callable:
      return true;
  }
  return false;
}

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string text(buffer, result.ptr);
  // text is "[-]d[.ddd]e[+-]xx": split into sign, digits and decimal exponent.
  const size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  const int exponent = std::stoi(text.substr(e + 1));
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  // Python's repr switches to exponent notation outside 1e-4 <= |x| < 1e16.
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp_text[16];
    std::snprintf(exp_text, sizeof exp_text, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp_text;
  }
  const int point = exponent + 1;  // digits before the decimal point
  std::string out;
  if (point <= 0) {
    out = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out = digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
  } else {
    out = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  }
  return sign + out;
}

namespace {

// Python's str.isprintable() for the characters chat content can hold; repr() escapes the rest.
bool printable(char32_t c) {
  if (c < 0x20 || c == 0x7f) return false;
  if (c >= 0x80 && c <= 0xa0) return false;
  if (c == 0xad || c == 0x2028 || c == 0x2029 || c == 0xfeff || c == 0x3000) return false;
  if ((c >= 0x2000 && c <= 0x200f) || (c >= 0x202a && c <= 0x202f) || (c >= 0x205f && c <= 0x206f)) return false;
  if ((c >= 0xd800 && c <= 0xdfff) || (c >= 0xe000 && c <= 0xf8ff) || c == 0xfffe || c == 0xffff) return false;
  return true;
}

std::string string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : utf8::decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (!printable(c)) {
      char buffer[16];
      if (c <= 0xff) {
        std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned>(c));
      } else if (c <= 0xffff) {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      } else {
        std::snprintf(buffer, sizeof buffer, "\\U%08x", static_cast<unsigned>(c));
      }
      out += buffer;
    } else {
      utf8::append(out, c);
    }
  }
  out.push_back(quote);
  return out;
}

}  // namespace

std::string Value::str() const {
  switch (type()) {
    case Type::undefined:
      return "";
    case Type::string:
      return as_string();
    default:
      return repr();
  }
}

std::string Value::repr() const {
  // Namespaces can be made to contain themselves; Python would print "...", we refuse.
  static thread_local int depth = 0;
  struct DepthGuard {
    DepthGuard() {
      if (++depth > 256) {
        --depth;
        throw std::invalid_argument("value nested too deeply to print");
      }
    }
    ~DepthGuard() { --depth; }
  } guard;
  switch (type()) {
    case Type::undefined:
      return "Undefined";
    case Type::none:
      return "None";
    case Type::boolean:
      return as_bool() ? "True" : "False";
    case Type::integer:
      return std::to_string(as_int());
    case Type::floating:
      return float_repr(as_float());
    case Type::string:
      return string_repr(as_string());
    case Type::list: {
      const auto& list = *as_list();
      std::string out = list.is_tuple ? "(" : "[";
      for (size_t i = 0; i < list.items.size(); ++i) {
        if (i > 0) out += ", ";
        out += list.items[i].repr();
      }
      if (list.is_tuple && list.items.size() == 1) out += ",";
      return out + (list.is_tuple ? ")" : "]");
    }
    case Type::dict: {
      const auto& dict = *as_dict();
      std::string out = dict.kind == Dict::Kind::namespace_object ? "<Namespace {" : "{";
      for (size_t i = 0; i < dict.entries.size(); ++i) {
        if (i > 0) out += ", ";
        out += dict.entries[i].first.repr() + ": " + dict.entries[i].second.repr();
      }
      return out + (dict.kind == Dict::Kind::namespace_object ? "}>" : "}");
    }
    case Type::callable:
      return "<function " + as_callable()->name + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (type()) {
    case Type::undefined:
      return "Undefined";
    case Type::none:
      return "NoneType";
    case Type::boolean:
      return "bool";
    case Type::integer:
      return "int";
    case Type::floating:
      return "float";
    case Type::string:
      return "str";
    case Type::list:
      return as_list()->is_tuple ? "tuple" : "list";
    case Type::dict:
      switch (as_dict()->kind) {
        case Dict::Kind::namespace_object:
          return "Namespace";
        case Dict::Kind::loop:
          return "LoopContext";
        case Dict::Kind::dict:
          return "dict";
      }
      return "dict";
    case Type::callable:
      return "function";
  }
  return "object";
}

nlohmann::ordered_json Value::to_json() const {
  switch (type()) {
    case Type::none:
      return nullptr;
    case Type::boolean:
      return as_bool();
    case Type::integer:
      return as_int();
    case Type::floating:
      return as_float();
    case Type::string:
      return as_string();
    case Type::list: {
      auto array = nlohmann::ordered_json::array();
      for (const auto& item : as_list()->items) array.push_back(item.to_json());
      return array;
    }
    case Type::dict: {
      if (as_dict()->kind != Dict::Kind::dict) break;
      auto object = nlohmann::ordered_json::object();
      for (const auto& [key, item] : as_dict()->entries) {
        if (!key.is_string()) throw std::invalid_argument("keys must be str, not " + key.type_name());
        object[key.as_string()] = item.to_json();
      }
      return object;
    }
    default:
      break;
  }
  throw std::invalid_argument("Object of type " + type_name() + " is not JSON serializable");
}

std::string hash_key(const Value& key) {
  switch (key.type()) {
    case Value::Type::none:
      return "N";
    case Value::Type::boolean:
    case Value::Type::integer:
      return "n" + std::to_string(key.to_int());
    case Value::Type::floating: {
      const double f = key.as_float();
      // 1.0 and 1 are the same key in Python.
      if (std::isfinite(f) && f == std::floor(f) && std::fabs(f) < 9.2e18) {
        return "n" + std::to_string(static_cast<int64_t>(f));
      }
      return "f" + float_repr(f);
    }
    case Value::Type::string:
      return "s" + key.as_string();
    case Value::Type::list:
      if (key.as_list()->is_tuple) {
        std::string out = "t";
        for (const auto& item : key.as_list()->items) out += hash_key(item) + '\x1f';
        return out;
      }
      break;
    default:
      break;
  }
  throw std::invalid_argument("unhashable type: '" + key.type_name() + "'");
}

const Value* Dict::find(const Value& key) const {
  std::string hashed;
  try {
    hashed = hash_key(key);
  } catch (const std::invalid_argument&) {
    return nullptr;
  }
  const auto it = index_.find(hashed);
  return it == index_.end() ? nullptr : &entries[it->second].second;
}

void Dict::set(const Value& key, Value value) {
  const std::string hashed = hash_key(key);
  const auto it = index_.find(hashed);
  if (it != index_.end()) {
    const size_t value_depth = nesting_of(value) + 1;
    if (value_depth > kMaxNesting) throw std::length_error("value nested more than 512 levels deep");
    depth = std::max(depth, value_depth);
    entries[it->second].second = std::move(value);
    return;
  }
  const size_t value_depth = std::max(nesting_of(key), nesting_of(value)) + 1;
  if (value_depth > kMaxNesting) throw std::length_error("value nested more than 512 levels deep");
  depth = std::max(depth, value_depth);
  index_.emplace(hashed, entries.size());
  entries.emplace_back(key, std::move(value));
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.to_float() == b.to_float();
    return a.to_int() == b.to_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::undefined:
    case Value::Type::none:
      return true;
    case Value::Type::string:
      return a.as_string() == b.as_string();
    case Value::Type::list: {
      const auto& x = *a.as_list();
      const auto& y = *b.as_list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i) {
        if (!equals(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case Value::Type::dict: {
      const auto& x = *a.as_dict();
      const auto& y = *b.as_dict();
      if (x.kind != Dict::Kind::dict || y.kind != Dict::Kind::dict) return &x == &y;
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [key, item] : x.entries) {
        const Value* other = y.find(key);
        if (other == nullptr || !equals(item, *other)) return false;
      }
      return true;
    }
    case Value::Type::callable:
      return a.as_callable() == b.as_callable();
    default:
      return false;
  }
}

bool less_than(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.to_float() < b.to_float();
    return a.to_int() < b.to_int();
  }
  // UTF-8 byte order is code point order, which is how Python orders str.
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list() && a.as_list()->is_tuple == b.as_list()->is_tuple) {
    const auto& x = a.as_list()->items;
    const auto& y = b.as_list()->items;
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return less_than(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw std::invalid_argument("'<' not supported between instances of '" + a.type_name() + "' and '" +
                              b.type_name() + "'");
}

}  // namespace switchboard::local::jinja
