#include "jinja/interpreter.hpp"

#include <unordered_map>

#include "jinja/builtins.hpp"
#include "jinja/eval_error.hpp"
#include "jinja/operators.hpp"
#include "jinja/template_error.hpp"

namespace switchboard::local::jinja {

struct Interpreter::Scope {
  std::unordered_map<std::string, Value> variables;
  ScopePtr parent;

  const Value* lookup(const std::string& name) const {
    for (const Scope* scope = this; scope != nullptr; scope = scope->parent.get()) {
      const auto it = scope->variables.find(name);
      if (it != scope->variables.end()) return &it->second;
    }
    return nullptr;
  }

  static ScopePtr child_of(const ScopePtr& parent) {
    auto scope = std::make_shared<Scope>();
    scope->parent = parent;
    return scope;
  }
};

Interpreter::~Interpreter() {
  // Break reference cycles such as `set ns.self = ns`, so that nothing leaks.
  for (const auto& ns : namespaces_) ns->entries.clear();
}

Value Interpreter::make_namespace() {
  Value ns = Value::dict();
  ns.as_dict()->kind = Dict::Kind::namespace_object;
  namespaces_.push_back(ns.as_dict());
  return ns;
}

std::string Interpreter::render(const Body& body, const std::vector<std::pair<std::string, Value>>& variables) {
  auto globals = std::make_shared<Scope>();
  for (auto& [name, value] : builtin_globals()) globals->variables[name] = std::move(value);
  for (const auto& [name, value] : variables) globals->variables[name] = value;
  // The template's own top-level `set`s live above the globals, as in jinja2's context.
  auto top = Scope::child_of(globals);
  std::string out;
  execute(body, top, out);
  return out;
}

void Interpreter::count_step() {
  if (++steps_ > limits_.max_steps) {
    throw EvalError("template exceeded its budget of " + std::to_string(limits_.max_steps) +
                    " evaluation steps");
  }
}

void Interpreter::append_output(std::string& out, const std::string& text) const {
  if (out.size() + text.size() > limits_.max_output_bytes) {
    throw EvalError("template output exceeded " + std::to_string(limits_.max_output_bytes) + " bytes");
  }
  out += text;
}

// ---- statements ---------------------------------------------------------------------------------

Interpreter::Flow Interpreter::execute(const Body& body, const ScopePtr& scope, std::string& out) {
  for (const auto& stmt : body) {
    const Flow flow = execute(*stmt, scope, out);
    if (flow != Flow::normal) return flow;
  }
  return Flow::normal;
}

Interpreter::Flow Interpreter::execute(const Stmt& stmt, const ScopePtr& scope, std::string& out) {
  try {
    count_step();
    switch (stmt.kind) {
      case Stmt::Kind::text:
        append_output(out, stmt.text);
        return Flow::normal;
      case Stmt::Kind::output:
        append_output(out, eval(*stmt.expression, scope).str());
        return Flow::normal;
      case Stmt::Kind::if_:
        for (const auto& [condition, body] : stmt.branches) {
          if (eval(*condition, scope).truthy()) return execute(body, scope, out);
        }
        return execute(stmt.else_body, scope, out);
      case Stmt::Kind::for_:
        return execute_for(stmt, scope, out);
      case Stmt::Kind::set:
      case Stmt::Kind::set_block:
        execute_set(stmt, scope, out);
        return Flow::normal;
      case Stmt::Kind::macro:
        scope->variables[stmt.name] = define_macro(stmt.name, stmt.parameters, stmt.body, scope);
        return Flow::normal;
      case Stmt::Kind::call_block:
        execute_call_block(stmt, scope, out);
        return Flow::normal;
      case Stmt::Kind::filter_block: {
        std::string captured;
        execute(stmt.body, Scope::child_of(scope), captured);
        Value value(std::move(captured));
        for (const auto& filter : stmt.filters) value = apply_filter(*filter, std::move(value), scope);
        append_output(out, value.str());
        return Flow::normal;
      }
      case Stmt::Kind::with: {
        auto inner = Scope::child_of(scope);
        for (const auto& [target, expression] : stmt.assignments) {
          // Each value sees the names assigned before it, as in jinja2.
          assign(target, eval(*expression, inner), *inner);
        }
        return execute(stmt.body, inner, out);
      }
      case Stmt::Kind::generation:
        return execute(stmt.body, scope, out);
      case Stmt::Kind::break_:
        return Flow::break_loop;
      case Stmt::Kind::continue_:
        return Flow::continue_loop;
    }
  } catch (const EvalError& error) {
    throw TemplateError(error.raised_by_template() ? TemplateError::Kind::raised : TemplateError::Kind::runtime,
                        stmt.offset, error.what());
  } catch (const std::length_error& error) {
    throw TemplateError(TemplateError::Kind::runtime, stmt.offset, error.what());
  } catch (const std::invalid_argument& error) {
    throw TemplateError(TemplateError::Kind::runtime, stmt.offset, error.what());
  }
  return Flow::normal;
}

Interpreter::Flow Interpreter::execute_for(const Stmt& stmt, const ScopePtr& scope, std::string& out) {
  std::vector<Value> items = iterate(eval(*stmt.expression, scope));
  if (stmt.loop_filter) {
    // `for x in xs if cond` filters before looping, so loop.length and loop.index count only
    // the items that pass.
    std::vector<Value> kept;
    for (auto& item : items) {
      auto probe = Scope::child_of(scope);
      assign(stmt.target, item, *probe);
      if (eval(*stmt.loop_filter, probe).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return execute(stmt.else_body, scope, out);

  const auto length = static_cast<int64_t>(items.size());
  for (int64_t i = 0; i < length; ++i) {
    auto iteration = Scope::child_of(scope);
    Value loop = Value::dict();
    loop.as_dict()->kind = Dict::Kind::loop;
    Dict& fields = *loop.as_dict();
    fields.set(Value("index"), Value(i + 1));
    fields.set(Value("index0"), Value(i));
    fields.set(Value("revindex"), Value(length - i));
    fields.set(Value("revindex0"), Value(length - i - 1));
    fields.set(Value("first"), Value(i == 0));
    fields.set(Value("last"), Value(i == length - 1));
    fields.set(Value("length"), Value(length));
    fields.set(Value("depth"), Value(int64_t{1}));
    fields.set(Value("depth0"), Value(int64_t{0}));
    fields.set(Value("previtem"), i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
    fields.set(Value("nextitem"), i + 1 < length ? items[i + 1] : Value::undefined("there is no next item"));
    auto cycle = std::make_shared<Callable>();
    cycle->name = "loop.cycle";
    cycle->call = [i](CallArgs& args, Interpreter&) -> Value {
      if (args.positional.empty()) throw EvalError("no items for cycling given");
      return args.positional[static_cast<size_t>(i) % args.positional.size()];
    };
    fields.set(Value("cycle"), Value(CallablePtr(std::move(cycle))));
    iteration->variables["loop"] = loop;
    assign(stmt.target, items[static_cast<size_t>(i)], *iteration);
    const Flow flow = execute(stmt.body, iteration, out);
    if (flow == Flow::break_loop) break;
  }
  return Flow::normal;
}

void Interpreter::execute_set(const Stmt& stmt, const ScopePtr& scope, std::string& out) {
  (void)out;
  if (stmt.kind == Stmt::Kind::set) {
    assign(stmt.target, eval(*stmt.expression, scope), *scope);
    return;
  }
  std::string captured;
  execute(stmt.body, Scope::child_of(scope), captured);
  Value value(std::move(captured));
  for (const auto& filter : stmt.filters) value = apply_filter(*filter, std::move(value), scope);
  assign(stmt.target, value, *scope);
}

void Interpreter::assign(const Target& target, const Value& value, Scope& scope) {
  switch (target.kind) {
    case Target::Kind::name:
      scope.variables[target.name] = value;
      return;
    case Target::Kind::attribute: {
      const Value* object = scope.lookup(target.name);
      if (object == nullptr || !object->is_dict() || object->as_dict()->kind != Dict::Kind::namespace_object) {
        throw EvalError("cannot assign attribute on non-namespace object '" + target.name + "'");
      }
      object->as_dict()->set(Value(target.attribute), value);
      return;
    }
    case Target::Kind::tuple: {
      std::vector<Value> items = iterate(value);
      if (items.size() != target.items.size()) {
        throw EvalError(items.size() < target.items.size()
                            ? "not enough values to unpack (expected " + std::to_string(target.items.size()) +
                                  ", got " + std::to_string(items.size()) + ")"
                            : "too many values to unpack (expected " + std::to_string(target.items.size()) + ")");
      }
      for (size_t i = 0; i < items.size(); ++i) assign(target.items[i], items[i], scope);
      return;
    }
  }
}

// ---- macros -------------------------------------------------------------------------------------

Value Interpreter::define_macro(const std::string& name, const std::vector<MacroParameter>& parameters,
                                const Body& body, const ScopePtr& closure) {
  auto callable = std::make_shared<Callable>();
  callable->name = name;
  // A weak reference: the defining scope holds the macro, so a strong one would be a cycle.
  std::weak_ptr<Scope> weak_closure = closure;
  callable->call = [this, name, &parameters, &body, weak_closure](CallArgs& args, Interpreter&) {
    return call_macro(name, parameters, body, weak_closure, args);
  };
  return Value(CallablePtr(std::move(callable)));
}

Value Interpreter::call_macro(const std::string& name, const std::vector<MacroParameter>& parameters,
                              const Body& body, const std::weak_ptr<Scope>& closure, CallArgs& args) {
  ScopePtr parent = closure.lock();
  if (!parent) throw EvalError("macro '" + name + "' called after the scope that defined it ended");
  if (call_depth_ >= limits_.max_call_depth) {
    throw EvalError("macro calls nested more than " + std::to_string(limits_.max_call_depth) + " deep");
  }
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    int& depth;
  } guard(call_depth_);

  auto scope = Scope::child_of(parent);
  if (args.positional.size() > parameters.size()) {
    throw EvalError("macro '" + name + "' takes not more than " + std::to_string(parameters.size()) +
                    " argument(s)");
  }
  std::vector<bool> bound(parameters.size(), false);
  for (size_t i = 0; i < args.positional.size(); ++i) {
    scope->variables[parameters[i].name] = args.positional[i];
    bound[i] = true;
  }
  for (auto& [key, value] : args.keyword) {
    if (key == "caller") {
      scope->variables["caller"] = value;
      continue;
    }
    size_t index = parameters.size();
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (parameters[i].name == key) index = i;
    }
    if (index == parameters.size()) throw EvalError("macro '" + name + "' has no parameter named '" + key + "'");
    if (bound[index]) throw EvalError("macro '" + name + "' got multiple values for parameter '" + key + "'");
    scope->variables[key] = value;
    bound[index] = true;
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (bound[i]) continue;
    // Defaults are evaluated at call time and may use the parameters before them; a missing
    // argument without a default is Undefined, as in jinja2.
    scope->variables[parameters[i].name] =
        parameters[i].default_value ? eval(*parameters[i].default_value, scope)
                                    : Value::undefined("parameter '" + parameters[i].name + "' was not provided");
  }
  std::string out;
  execute(body, scope, out);
  return Value(std::move(out));
}

void Interpreter::execute_call_block(const Stmt& stmt, const ScopePtr& scope, std::string& out) {
  const Expr& call = *stmt.expression;
  Value callee = eval(*call.object, scope);
  CallArgs args = eval_arguments(call.arguments, scope);
  args.keyword.emplace_back("caller", define_macro("caller", stmt.parameters, stmt.body, scope));
  append_output(out, this->call(callee, args).str());
}

Value Interpreter::call(const Value& callee, CallArgs& arguments) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (!callee.is_callable()) throw EvalError("'" + callee.type_name() + "' object is not callable");
  return callee.as_callable()->call(arguments, *this);
}

// ---- expressions --------------------------------------------------------------------------------

Value Interpreter::eval(const Expr& expr, const ScopePtr& scope) {
  try {
    count_step();
    return eval_inner(expr, scope);
  } catch (const EvalError& error) {
    throw TemplateError(error.raised_by_template() ? TemplateError::Kind::raised : TemplateError::Kind::runtime,
                        expr.offset, error.what());
  } catch (const std::length_error& error) {
    throw TemplateError(TemplateError::Kind::runtime, expr.offset, error.what());
  } catch (const std::invalid_argument& error) {
    throw TemplateError(TemplateError::Kind::runtime, expr.offset, error.what());
  }
}

CallArgs Interpreter::eval_arguments(const Arguments& arguments, const ScopePtr& scope) {
  CallArgs args;
  for (const auto& expr : arguments.positional) args.positional.push_back(eval(*expr, scope));
  for (const auto& [name, expr] : arguments.keyword) args.keyword.emplace_back(name, eval(*expr, scope));
  return args;
}

Value Interpreter::apply_filter(const Expr& filter, Value input, const ScopePtr& scope) {
  CallArgs args = eval_arguments(filter.arguments, scope);
  try {
    return jinja::apply_filter(*this, filter.name, input, args);
  } catch (const EvalError& error) {
    throw TemplateError(error.raised_by_template() ? TemplateError::Kind::raised : TemplateError::Kind::runtime,
                        filter.offset, error.what());
  }
}

Value Interpreter::eval_inner(const Expr& expr, const ScopePtr& scope) {
  switch (expr.kind) {
    case Expr::Kind::literal:
      return expr.value;
    case Expr::Kind::name: {
      const Value* value = scope->lookup(expr.name);
      return value != nullptr ? *value : Value::undefined("'" + expr.name + "' is undefined");
    }
    case Expr::Kind::list:
    case Expr::Kind::tuple: {
      std::vector<Value> items;
      items.reserve(expr.items.size());
      for (const auto& item : expr.items) items.push_back(eval(*item, scope));
      return expr.kind == Expr::Kind::list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Expr::Kind::dict: {
      Value dict = Value::dict();
      for (const auto& [key, item] : expr.pairs) {
        Value k = eval(*key, scope);
        dict.as_dict()->set(k, eval(*item, scope));
      }
      return dict;
    }
    case Expr::Kind::attribute:
      return get_attribute(eval(*expr.object, scope), expr.name);
    case Expr::Kind::item: {
      Value object = eval(*expr.object, scope);
      return get_item(object, eval(*expr.index, scope));
    }
    case Expr::Kind::slice: {
      Value object = eval(*expr.object, scope);
      Value start = expr.start ? eval(*expr.start, scope) : Value::none();
      Value stop = expr.stop ? eval(*expr.stop, scope) : Value::none();
      Value step = expr.step ? eval(*expr.step, scope) : Value::none();
      return get_slice(object, start, stop, step);
    }
    case Expr::Kind::call: {
      Value callee = eval(*expr.object, scope);
      CallArgs args = eval_arguments(expr.arguments, scope);
      return call(callee, args);
    }
    case Expr::Kind::filter:
      return apply_filter(expr, eval(*expr.object, scope), scope);
    case Expr::Kind::test: {
      Value operand = eval(*expr.object, scope);
      CallArgs args = eval_arguments(expr.arguments, scope);
      const bool result = apply_test(*this, expr.name, operand, args);
      return Value(expr.negated ? !result : result);
    }
    case Expr::Kind::unary: {
      Value operand = eval(*expr.object, scope);
      if (expr.name == "not") return Value(!operand.truthy());
      return unary_operation(expr.name, operand);
    }
    case Expr::Kind::binary: {
      // `and` and `or` short-circuit and return an operand, as in Python.
      if (expr.name == "and" || expr.name == "or") {
        Value left = eval(*expr.left, scope);
        if (left.truthy() == (expr.name == "or")) return left;
        return eval(*expr.right, scope);
      }
      Value left = eval(*expr.left, scope);
      Value right = eval(*expr.right, scope);
      return binary_operation(expr.name, left, right);
    }
    case Expr::Kind::compare: {
      // Chained like Python: a < b < c means a < b and b < c.
      Value left = eval(*expr.left, scope);
      for (const auto& [op, right_expr] : expr.comparisons) {
        Value right = eval(*right_expr, scope);
        if (!comparison(op, left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case Expr::Kind::conditional:
      if (eval(*expr.condition, scope).truthy()) return eval(*expr.then_branch, scope);
      if (expr.else_branch) return eval(*expr.else_branch, scope);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined");
  }
  return Value::undefined();
}

}  // namespace switchboard::local::jinja
