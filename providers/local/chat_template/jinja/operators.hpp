#pragma once
// Python's binary operators on template values. Failures throw EvalError with Python's wording
// ("unsupported operand type(s) for -: 'str' and 'int'"); Undefined operands fail like jinja2.

#include <string_view>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

// The largest string any operation may build; beyond it rendering stops with an error.
constexpr size_t kMaxStringBytes = size_t{64} << 20;

// + - * / // % ** and ~ (string concatenation).
Value binary_operation(std::string_view op, const Value& left, const Value& right);

// - and + in front of a number.
Value unary_operation(std::string_view op, const Value& operand);

// == != < <= > >= in, not in.
bool comparison(std::string_view op, const Value& left, const Value& right);

// Python's `item in container`.
bool contains(const Value& container, const Value& item);

}  // namespace switchboard::local::jinja
