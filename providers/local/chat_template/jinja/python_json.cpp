#include "jinja/python_json.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {
namespace {

constexpr int kMaxDepth = 512;

void append_hex4(std::string& out, unsigned value) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "\\u%04x", value & 0xFFFF);
  out += buffer;
}

void append_string(std::string& out, const std::string& text, bool ensure_ascii) {
  out.push_back('"');
  for (char32_t c : utf8::decode(text)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          append_hex4(out, c);
        } else if (ensure_ascii && c >= 0x7f) {
          if (c >= 0x10000) {  // Python writes astral characters as a surrogate pair
            const char32_t v = c - 0x10000;
            append_hex4(out, 0xD800 + (v >> 10));
            append_hex4(out, 0xDC00 + (v & 0x3FF));
          } else {
            append_hex4(out, c);
          }
        } else {
          utf8::append(out, c);
        }
    }
  }
  out.push_back('"');
}

std::string float_text(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  return float_repr(value);
}

std::string key_text(const Value& key) {
  switch (key.type()) {
    case Value::Type::string: return key.as_string();
    case Value::Type::boolean: return key.as_bool() ? "true" : "false";
    case Value::Type::none: return "null";
    case Value::Type::integer: return std::to_string(key.as_int());
    case Value::Type::floating: return float_text(key.as_float());
    default:
      throw std::invalid_argument("keys must be str, int, float, bool or None, not " + key.type_name());
  }
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& options) : options_(options) {
    item_separator_ = options.item_separator.value_or(options.indent ? "," : ", ");
    key_separator_ = options.key_separator.value_or(": ");
  }

  void dump(const Value& value, int depth) {
    if (depth > kMaxDepth) throw std::invalid_argument("value nested too deeply for tojson");
    switch (value.type()) {
      case Value::Type::none: out_ += "null"; return;
      case Value::Type::boolean: out_ += value.as_bool() ? "true" : "false"; return;
      case Value::Type::integer: out_ += std::to_string(value.as_int()); return;
      case Value::Type::floating: out_ += float_text(value.as_float()); return;
      case Value::Type::string: append_string(out_, value.as_string(), options_.ensure_ascii); return;
      case Value::Type::list: dump_list(value.as_list()->items, depth); return;
      case Value::Type::dict:
        if (value.as_dict()->kind == Dict::Kind::dict) {
          dump_dict(*value.as_dict(), depth);
          return;
        }
        break;
      default:
        break;
    }
    throw std::invalid_argument("Object of type " + value.type_name() + " is not JSON serializable");
  }

  std::string take() { return std::move(out_); }

 private:
  void newline(int level) {
    if (!options_.indent) return;
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *options_.indent;
  }

  void dump_list(const std::vector<Value>& items, int depth) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_ += item_separator_;
      newline(depth + 1);
      dump(items[i], depth + 1);
    }
    newline(depth);
    out_.push_back(']');
  }

  void dump_dict(const Dict& dict, int depth) {
    if (dict.entries.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& entry : dict.entries) entries.push_back(&entry);
    if (options_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto* a, const auto* b) { return less_than(a->first, b->first); });
    }
    out_.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_ += item_separator_;
      newline(depth + 1);
      append_string(out_, key_text(entries[i]->first), options_.ensure_ascii);
      out_ += key_separator_;
      dump(entries[i]->second, depth + 1);
    }
    newline(depth);
    out_.push_back('}');
  }

  const JsonDumpOptions& options_;
  std::string item_separator_;
  std::string key_separator_;
  std::string out_;
};

}  // namespace

std::string python_json_dumps(const Value& value, const JsonDumpOptions& options) {
  Dumper dumper(options);
  dumper.dump(value, 0);
  return dumper.take();
}

}  // namespace switchboard::local::jinja
