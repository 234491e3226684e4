// jinja2's builtin tests (`x is defined`, `n is divisibleby 3`, ...), with Python's type rules:
// a bool is a number and an int, but `is integer` excludes it; Undefined is iterable.

#include <map>

#include "jinja/builtin_support.hpp"
#include "jinja/builtins.hpp"
#include "jinja/eval_error.hpp"
#include "jinja/operators.hpp"

namespace switchboard::local::jinja {
namespace {

using Spec = Parameters::Spec;
using Test = bool (*)(const Value&, CallArgs&);

const Value& other(CallArgs& args, const char* name) {
  if (args.positional.size() + args.keyword.size() != 1) {
    throw EvalError(std::string(name) + " test takes exactly one argument");
  }
  return args.positional.empty() ? args.keyword.front().second : args.positional.front();
}

void no_arguments(CallArgs& args, const char* name) { Parameters p(name, args, {}); }

bool t_defined(const Value& v, CallArgs& a) { no_arguments(a, "defined"); return !v.is_undefined(); }
bool t_undefined(const Value& v, CallArgs& a) { no_arguments(a, "undefined"); return v.is_undefined(); }
bool t_none(const Value& v, CallArgs& a) { no_arguments(a, "none"); return v.is_none(); }
bool t_string(const Value& v, CallArgs& a) { no_arguments(a, "string"); return v.is_string(); }
bool t_number(const Value& v, CallArgs& a) { no_arguments(a, "number"); return v.is_number(); }
bool t_integer(const Value& v, CallArgs& a) { no_arguments(a, "integer"); return v.is_int(); }
bool t_float(const Value& v, CallArgs& a) { no_arguments(a, "float"); return v.is_float(); }
bool t_boolean(const Value& v, CallArgs& a) { no_arguments(a, "boolean"); return v.is_bool(); }
bool t_true(const Value& v, CallArgs& a) { no_arguments(a, "true"); return v.is_bool() && v.as_bool(); }
bool t_false(const Value& v, CallArgs& a) { no_arguments(a, "false"); return v.is_bool() && !v.as_bool(); }
bool t_callable(const Value& v, CallArgs& a) { no_arguments(a, "callable"); return v.is_callable(); }
bool t_escaped(const Value&, CallArgs& a) { no_arguments(a, "escaped"); return false; }

bool t_mapping(const Value& v, CallArgs& a) {
  no_arguments(a, "mapping");
  return v.is_dict() && v.as_dict()->kind == Dict::Kind::dict;
}

bool t_iterable(const Value& v, CallArgs& a) {
  no_arguments(a, "iterable");
  return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && v.as_dict()->kind == Dict::Kind::dict);
}

bool t_sequence(const Value& v, CallArgs& a) {
  no_arguments(a, "sequence");  // anything with len() and [] in Python
  return v.is_undefined() || v.is_string() || v.is_list() || (v.is_dict() && v.as_dict()->kind == Dict::Kind::dict);
}

bool t_lower(const Value& v, CallArgs& a) {
  no_arguments(a, "lower");
  const std::string s = v.str();
  return s == py_lower(s) && s != py_upper(s);
}

bool t_upper(const Value& v, CallArgs& a) {
  no_arguments(a, "upper");
  const std::string s = v.str();
  return s == py_upper(s) && s != py_lower(s);
}

int64_t integer_of(const Value& v, const char* test) {
  if (v.is_int() || v.is_bool()) return v.to_int();
  throw EvalError(std::string(test) + " test needs an integer, got " + v.type_name());
}

bool t_odd(const Value& v, CallArgs& a) {
  no_arguments(a, "odd");
  return integer_of(v, "odd") % 2 != 0;
}

bool t_even(const Value& v, CallArgs& a) {
  no_arguments(a, "even");
  return integer_of(v, "even") % 2 == 0;
}

bool t_divisibleby(const Value& v, CallArgs& a) {
  const Value& n = other(a, "divisibleby");
  if (!v.is_number() || !n.is_number()) throw EvalError("divisibleby needs numbers");
  if (n.to_float() == 0.0) throw EvalError("integer division or modulo by zero");
  return comparison("==", binary_operation("%", v, n), Value(0));
}

bool t_eq(const Value& v, CallArgs& a) { return equals(v, other(a, "eq")); }
bool t_ne(const Value& v, CallArgs& a) { return !equals(v, other(a, "ne")); }
bool t_lt(const Value& v, CallArgs& a) { return comparison("<", v, other(a, "lt")); }
bool t_le(const Value& v, CallArgs& a) { return comparison("<=", v, other(a, "le")); }
bool t_gt(const Value& v, CallArgs& a) { return comparison(">", v, other(a, "gt")); }
bool t_ge(const Value& v, CallArgs& a) { return comparison(">=", v, other(a, "ge")); }
bool t_in(const Value& v, CallArgs& a) { return contains(other(a, "in"), v); }

bool t_sameas(const Value& v, CallArgs& a) {
  const Value& o = other(a, "sameas");
  if (v.type() != o.type()) return false;
  switch (v.type()) {
    case Value::Type::list: return v.as_list() == o.as_list();
    case Value::Type::dict: return v.as_dict() == o.as_dict();
    case Value::Type::callable: return v.as_callable() == o.as_callable();
    default: return equals(v, o);  // None, True, False and small values are singletons in Python
  }
}

bool t_filter(const Value& v, CallArgs& a) {
  no_arguments(a, "filter");
  return v.is_string() && is_filter(v.as_string());
}

bool t_test(const Value& v, CallArgs& a) {
  no_arguments(a, "test");
  return v.is_string() && is_test(v.as_string());
}

const std::map<std::string, Test, std::less<>>& tests() {
  static const std::map<std::string, Test, std::less<>> table = {
      {"!=", t_ne},          {"<", t_lt},          {"<=", t_le},          {"==", t_eq},
      {">", t_gt},           {">=", t_ge},         {"boolean", t_boolean}, {"callable", t_callable},
      {"defined", t_defined}, {"divisibleby", t_divisibleby}, {"eq", t_eq}, {"equalto", t_eq},
      {"escaped", t_escaped}, {"even", t_even},    {"false", t_false},    {"filter", t_filter},
      {"float", t_float},    {"ge", t_ge},         {"greaterthan", t_gt}, {"gt", t_gt},
      {"in", t_in},          {"integer", t_integer}, {"iterable", t_iterable}, {"le", t_le},
      {"lessthan", t_lt},    {"lower", t_lower},   {"lt", t_lt},          {"mapping", t_mapping},
      {"ne", t_ne},          {"none", t_none},     {"number", t_number},  {"odd", t_odd},
      {"sameas", t_sameas},  {"sequence", t_sequence}, {"string", t_string}, {"test", t_test},
      {"true", t_true},      {"undefined", t_undefined}, {"upper", t_upper},
  };
  return table;
}

}  // namespace

bool is_test(std::string_view name) { return tests().find(name) != tests().end(); }

bool apply_test(Interpreter&, std::string_view name, const Value& input, CallArgs& arguments) {
  const auto it = tests().find(name);
  if (it == tests().end()) throw EvalError("no test named '" + std::string(name) + "'");
  return it->second(input, arguments);
}

}  // namespace switchboard::local::jinja
