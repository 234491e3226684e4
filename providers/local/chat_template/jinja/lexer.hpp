#pragma once
// Splits a template into tokens the way jinja2's lexer does with the settings transformers uses
// (trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False):
//   - "{%-", "{{-", "{#-" strip all whitespace before the tag; "-%}", "-}}", "-#}" all after it;
//   - trim_blocks: one newline right after "%}" or "#}" is dropped;
//   - lstrip_blocks: spaces and tabs between a line start and "{%" or "{#" are dropped;
//   - "{%+" and "+%}" switch lstrip/trim off for that tag;
//   - newlines are normalised to "\n" and one trailing newline of the template is dropped.
// Comments vanish here; {% raw %} blocks come out as text.

#include <string>
#include <string_view>
#include <vector>

namespace switchboard::local::jinja {

struct Token {
  enum class Kind {
    text,            // template data to print as it is
    variable_begin,  // {{
    variable_end,    // }}
    block_begin,     // {%
    block_end,       // %}
    name,            // identifiers and keywords (and, or, not, in, is, if, else, true, none, ...)
    string,          // a string literal, escapes already decoded
    integer,
    floating,
    op,              // operators and punctuation: + - * / // % ** ~ == != < <= > >= = . : | , ( ) [ ] { }
    end,             // end of the template
  };
  Kind kind;
  std::string value;
  size_t offset;  // byte offset into the normalised source
};

// jinja2's newline handling, applied before lexing; offsets in tokens refer to its result.
std::string normalize_template_source(std::string_view source);

// Throws TemplateError(syntax) for unterminated tags, comments and strings and unknown characters.
std::vector<Token> tokenize(std::string_view normalized_source);

}  // namespace switchboard::local::jinja
