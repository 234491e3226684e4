#include "jinja/builtin_support.hpp"

#include <algorithm>

#include "jinja/eval_error.hpp"
#include "jinja/utf8.hpp"

namespace switchboard::local::jinja {

Parameters::Parameters(std::string_view function, const CallArgs& args, std::initializer_list<Spec> specs) {
  const std::vector<Spec> spec_list(specs);
  std::vector<bool> bound(spec_list.size(), false);
  values_.resize(spec_list.size());
  if (args.positional.size() > spec_list.size()) {
    throw EvalError(std::string(function) + "() takes at most " + std::to_string(spec_list.size()) +
                    " argument(s) (" + std::to_string(args.positional.size()) + " given)");
  }
  for (size_t i = 0; i < args.positional.size(); ++i) {
    values_[i] = args.positional[i];
    bound[i] = true;
  }
  for (const auto& [name, value] : args.keyword) {
    size_t index = spec_list.size();
    for (size_t i = 0; i < spec_list.size(); ++i) {
      if (spec_list[i].name == name) index = i;
    }
    if (index == spec_list.size()) {
      throw EvalError(std::string(function) + "() got an unexpected keyword argument '" + name + "'");
    }
    if (bound[index]) throw EvalError(std::string(function) + "() got multiple values for argument '" + name + "'");
    values_[index] = value;
    bound[index] = true;
  }
  for (size_t i = 0; i < spec_list.size(); ++i) {
    if (bound[i]) continue;
    if (!spec_list[i].default_value) {
      throw EvalError(std::string(function) + "() missing required argument '" + std::string(spec_list[i].name) + "'");
    }
    values_[i] = *spec_list[i].default_value;
  }
}

std::string py_strip(const std::string& text, const Value& chars, bool left, bool right) {
  std::u32string s = utf8::decode(text);
  std::u32string set;
  const bool whitespace = chars.is_none() || chars.is_undefined();
  if (!whitespace) {
    if (!chars.is_string()) throw EvalError("strip arg must be None or str");
    set = utf8::decode(chars.as_string());
  }
  auto strip_it = [&](char32_t c) { return whitespace ? utf8::is_space(c) : set.find(c) != std::u32string::npos; };
  size_t begin = 0;
  size_t end = s.size();
  if (left) {
    while (begin < end && strip_it(s[begin])) ++begin;
  }
  if (right) {
    while (end > begin && strip_it(s[end - 1])) --end;
  }
  return utf8::encode(std::u32string_view(s).substr(begin, end - begin));
}

std::string py_upper(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

std::string py_lower(const std::string& text) {
  std::string out = text;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

std::string py_capitalize(const std::string& text) {
  std::string out = py_lower(text);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string py_title(const std::string& text) {
  // str.title(): a cased letter after an uncased character starts a word.
  std::string out = text;
  bool previous_cased = false;
  for (char& c : out) {
    const bool cased = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (cased) {
      if (previous_cased && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      if (!previous_cased && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    previous_cased = cased;
  }
  return out;
}

std::vector<std::string> py_split(const std::string& text, const Value& separator, int64_t max_split) {
  std::vector<std::string> parts;
  if (separator.is_none() || separator.is_undefined()) {
    const std::u32string s = utf8::decode(text);
    size_t i = 0;
    while (true) {
      while (i < s.size() && utf8::is_space(s[i])) ++i;
      if (i >= s.size()) break;
      if (max_split >= 0 && static_cast<int64_t>(parts.size()) >= max_split) {
        size_t end = s.size();
        while (end > i && utf8::is_space(s[end - 1])) --end;
        parts.push_back(utf8::encode(std::u32string_view(s).substr(i, end - i)));
        break;
      }
      const size_t start = i;
      while (i < s.size() && !utf8::is_space(s[i])) ++i;
      parts.push_back(utf8::encode(std::u32string_view(s).substr(start, i - start)));
    }
    return parts;
  }
  if (!separator.is_string()) throw EvalError("must be str or None, not " + separator.type_name());
  const std::string& sep = separator.as_string();
  if (sep.empty()) throw EvalError("empty separator");
  size_t start = 0;
  while (max_split < 0 || static_cast<int64_t>(parts.size()) < max_split) {
    const size_t found = text.find(sep, start);
    if (found == std::string::npos) break;
    parts.push_back(text.substr(start, found - start));
    start = found + sep.size();
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::vector<std::string> py_rsplit(const std::string& text, const Value& separator, int64_t max_split) {
  if (max_split < 0) return py_split(text, separator, max_split);
  if (separator.is_none() || separator.is_undefined()) {
    // Split from the right by reversing code points, splitting, and reversing back.
    std::u32string reversed = utf8::decode(text);
    std::reverse(reversed.begin(), reversed.end());
    std::vector<std::string> parts = py_split(utf8::encode(reversed), separator, max_split);
    for (auto& part : parts) {
      std::u32string p = utf8::decode(part);
      std::reverse(p.begin(), p.end());
      part = utf8::encode(p);
    }
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  if (!separator.is_string()) throw EvalError("must be str or None, not " + separator.type_name());
  const std::string& sep = separator.as_string();
  if (sep.empty()) throw EvalError("empty separator");
  std::vector<std::string> parts;
  size_t end = text.size();
  while (static_cast<int64_t>(parts.size()) < max_split && end >= sep.size()) {
    const size_t found = text.rfind(sep, end - sep.size());
    if (found == std::string::npos) break;
    parts.push_back(text.substr(found + sep.size(), end - found - sep.size()));
    end = found;
  }
  parts.push_back(text.substr(0, end));
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::string py_replace(const std::string& text, const std::string& old, const std::string& replacement,
                       int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement around every character.
    const std::u32string s = utf8::decode(text);
    int64_t done = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (count < 0 || done < count) {
        out += replacement;
        ++done;
      }
      if (i < s.size()) utf8::append(out, s[i]);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t found = text.find(old, start);
    if (found == std::string::npos) break;
    out.append(text, start, found - start);
    out += replacement;
    start = found + old.size();
    ++done;
  }
  out.append(text, start, std::string::npos);
  return out;
}

int64_t py_find(const std::string& text, const std::string& needle, bool reverse) {
  const size_t found = reverse ? text.rfind(needle) : text.find(needle);
  if (found == std::string::npos) return -1;
  return static_cast<int64_t>(utf8::length(std::string_view(text).substr(0, found)));
}

int64_t py_count(const std::string& text, const std::string& needle) {
  if (needle.empty()) return static_cast<int64_t>(utf8::length(text)) + 1;
  int64_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

std::string py_format(const std::string& format, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '}') {
      if (i + 1 < format.size() && format[i + 1] == '}') {
        out.push_back('}');
        ++i;
        continue;
      }
      throw EvalError("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    const size_t close = format.find('}', i);
    if (close == std::string::npos) throw EvalError("Single '{' encountered in format string");
    const std::string field = format.substr(i + 1, close - i - 1);
    i = close;
    if (field.find_first_of(":!.[") != std::string::npos) {
      throw EvalError("format fields with conversions, specs or lookups are not supported: {" + field + "}");
    }
    if (field.empty() || (field.size() < 10 && std::all_of(field.begin(), field.end(),
                                                           [](char d) { return d >= '0' && d <= '9'; }))) {
      const size_t index = field.empty() ? auto_index++ : static_cast<size_t>(std::stoul(field));
      if (index >= args.positional.size()) throw EvalError(std::string("Replacement index ") + std::to_string(index) + " out of range");
      out += args.positional[index].str();
      continue;
    }
    bool found = false;
    for (const auto& [name, value] : args.keyword) {
      if (name == field) {
        out += value.str();
        found = true;
        break;
      }
    }
    if (!found) throw EvalError("KeyError: '" + field + "'");
  }
  return out;
}

std::string object_description(const Value& value) {
  if (value.is_none()) return "None";
  std::string description = "'";
  description += value.type_name();
  description += " object'";
  return description;
}

Value make_builtin(std::string name, std::function<Value(CallArgs&, Interpreter&)> function) {
  auto callable = std::make_shared<Callable>();
  callable->name = std::move(name);
  callable->call = std::move(function);
  return Value(CallablePtr(std::move(callable)));
}

}  // namespace switchboard::local::jinja
