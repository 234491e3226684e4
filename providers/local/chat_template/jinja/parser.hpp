#pragma once
// Builds the syntax tree from tokens, with jinja2's grammar and operator precedence (lowest first):
//   a if c else b  |  or  |  and  |  not  |  == != < <= > >= in, not in  |  + -  |  ~  |
//   * / // %  |  **  |  unary - +  |  postfix: .name [index] [a:b:c] (call) | filter  is test
// Unknown filters and tests are rejected here, as jinja2 does when it compiles a template.

#include <string_view>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/lexer.hpp"

namespace switchboard::local::jinja {

// Throws TemplateError(syntax) with the offset of the offending token.
Body parse(const std::vector<Token>& tokens);

}  // namespace switchboard::local::jinja
