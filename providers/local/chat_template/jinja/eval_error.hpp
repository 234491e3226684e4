#pragma once
// What operators and builtins throw when an operation fails. They do not know where in the
// template they were called from; the interpreter catches EvalError at the innermost expression
// and rethrows it as a TemplateError carrying that expression's position.

#include <stdexcept>
#include <string>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

class EvalError : public std::runtime_error {
 public:
  explicit EvalError(const std::string& message, bool raised_by_template = false)
      : std::runtime_error(message), raised_by_template_(raised_by_template) {}

  // True for raise_exception(message): the template's own words, to be passed on unchanged.
  bool raised_by_template() const noexcept { return raised_by_template_; }

 private:
  bool raised_by_template_;
};

// jinja2's UndefinedError for using an Undefined where a real value is needed.
[[noreturn]] inline void fail_undefined(const Value& undefined) {
  const std::string& hint = undefined.undefined_hint();
  throw EvalError(hint.empty() ? "value is undefined" : hint);
}

}  // namespace switchboard::local::jinja
