#pragma once
// A compiled Jinja template: the source is lexed and parsed once, then rendered any number of
// times (concurrently too: rendering does not modify the template).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/interpreter.hpp"
#include "jinja/value.hpp"

namespace switchboard::local::jinja {

class Template {
 public:
  // Throws TemplateError(syntax).
  explicit Template(std::string_view source);

  // Throws TemplateError(runtime or raised).
  std::string render(const std::vector<std::pair<std::string, Value>>& variables, Limits limits = {}) const;

  // The source after jinja2's newline normalisation; TemplateError offsets refer to it.
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  Body body_;
};

}  // namespace switchboard::local::jinja
