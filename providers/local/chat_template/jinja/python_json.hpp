#pragma once
// Python's json.dumps, byte for byte, because transformers replaces jinja2's tojson filter with
// json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys).
// Its quirks matter for exact prompts: ", " and ": " separators when not indenting, "," at line
// ends when indenting, float repr ("1.0", "1e-05"), NaN/Infinity, non-str keys turned into strings.

#include <optional>
#include <string>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

struct JsonDumpOptions {
  std::optional<std::string> indent;  // None, or the text of one indentation level
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
  bool sort_keys = false;
  bool ensure_ascii = false;
};

// Throws std::invalid_argument, with Python's wording, for values JSON cannot hold.
std::string python_json_dumps(const Value& value, const JsonDumpOptions& options);

}  // namespace switchboard::local::jinja
