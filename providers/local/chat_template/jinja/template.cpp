#include "jinja/template.hpp"

#include "jinja/lexer.hpp"
#include "jinja/parser.hpp"

namespace switchboard::local::jinja {

Template::Template(std::string_view source)
    : source_(normalize_template_source(source)), body_(parse(tokenize(source_))) {}

std::string Template::render(const std::vector<std::pair<std::string, Value>>& variables, Limits limits) const {
  Interpreter interpreter(limits);
  return interpreter.render(body_, variables);
}

}  // namespace switchboard::local::jinja
