#pragma once
// jinja2's builtin filters, tests and globals, Python's str/list/dict methods, and jinja2's
// attribute and item lookup as ImmutableSandboxedEnvironment does it (which is what
// transformers renders with: reading works, methods that mutate a list or dict are refused).
// Failures throw EvalError.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

class Interpreter;

bool is_filter(std::string_view name);
bool is_test(std::string_view name);

Value apply_filter(Interpreter& interpreter, std::string_view name, const Value& input, CallArgs& arguments);
bool apply_test(Interpreter& interpreter, std::string_view name, const Value& input, CallArgs& arguments);

// `object.name`: attributes (methods) first, then items; Undefined when neither exists.
Value get_attribute(const Value& object, const std::string& name);
// `object[key]`: items first, then attributes; Undefined when neither exists.
Value get_item(const Value& object, const Value& key);
// `object[start:stop:step]` with Python's rules; each bound may be None.
Value get_slice(const Value& object, const Value& start, const Value& stop, const Value& step);

// Iterating a value as a for loop does: list items, dict keys, string characters; Undefined is
// empty. Throws for values that are not iterable.
std::vector<Value> iterate(const Value& value);

// range, namespace, dict, raise_exception, strftime_now.
std::vector<std::pair<std::string, Value>> builtin_globals();

}  // namespace switchboard::local::jinja
