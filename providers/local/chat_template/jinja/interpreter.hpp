#pragma once
// Walks the syntax tree and writes the output. Scoping follows jinja2: `for` bodies, macros and
// `with` blocks get their own scope (a `set` inside a loop does not leak out, which is why
// templates use namespace()); `if` blocks do not.
//
// Hostile templates are bounded: a budget of evaluation steps, a limit on macro recursion, and a
// cap on the size of strings and of the output. Exceeding one is a TemplateError, not a crash.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/ast.hpp"
#include "jinja/value.hpp"

namespace switchboard::local::jinja {

struct Limits {
  size_t max_steps = 50'000'000;          // expressions and statements evaluated
  int max_call_depth = 64;                // nested macro calls
  size_t max_output_bytes = size_t{64} << 20;
};

class Interpreter {
 public:
  explicit Interpreter(Limits limits = {}) : limits_(limits) {}
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Renders `body` with `variables` visible to it. Throws TemplateError.
  std::string render(const Body& body, const std::vector<std::pair<std::string, Value>>& variables);

  // For builtins: call a template value (macro, builtin, bound method) with arguments.
  Value call(const Value& callee, CallArgs& arguments);
  // For namespace(): namespaces may reference themselves, so the interpreter breaks those
  // cycles when it is done.
  Value make_namespace();

 private:
  struct Scope;
  using ScopePtr = std::shared_ptr<Scope>;
  enum class Flow { normal, break_loop, continue_loop };

  Flow execute(const Body& body, const ScopePtr& scope, std::string& out);
  Flow execute(const Stmt& stmt, const ScopePtr& scope, std::string& out);
  Flow execute_for(const Stmt& stmt, const ScopePtr& scope, std::string& out);
  void execute_set(const Stmt& stmt, const ScopePtr& scope, std::string& out);
  void execute_call_block(const Stmt& stmt, const ScopePtr& scope, std::string& out);
  Value define_macro(const std::string& name, const std::vector<MacroParameter>& parameters,
                     const Body& body, const ScopePtr& closure);
  Value call_macro(const std::string& name, const std::vector<MacroParameter>& parameters, const Body& body,
                   const std::weak_ptr<Scope>& closure, CallArgs& arguments);

  Value eval(const Expr& expr, const ScopePtr& scope);
  Value eval_inner(const Expr& expr, const ScopePtr& scope);
  CallArgs eval_arguments(const Arguments& arguments, const ScopePtr& scope);
  Value apply_filter(const Expr& filter, Value input, const ScopePtr& scope);
  void assign(const Target& target, const Value& value, Scope& scope);

  void count_step();
  void append_output(std::string& out, const std::string& text) const;

  Limits limits_;
  size_t steps_ = 0;
  int call_depth_ = 0;
  std::vector<DictPtr> namespaces_;
};

}  // namespace switchboard::local::jinja
