#include "jinja/operators.hpp"

#include <cmath>
#include <limits>

#include "jinja/eval_error.hpp"

namespace switchboard::local::jinja {
namespace {

[[noreturn]] void unsupported(std::string_view op, const Value& a, const Value& b) {
  throw EvalError("unsupported operand type(s) for " + std::string(op) + ": '" + a.type_name() + "' and '" +
                  b.type_name() + "'");
}

[[noreturn]] void overflow() { throw EvalError("integer overflow: the result does not fit in 64 bits"); }

void check_size(size_t bytes) {
  if (bytes > kMaxStringBytes) throw EvalError("result too large (over 64 MiB)");
}

Value repeat(const Value& sequence, int64_t count) {
  if (count < 0) count = 0;
  if (sequence.is_string()) {
    const std::string& s = sequence.as_string();
    if (!s.empty() && static_cast<uint64_t>(count) > kMaxStringBytes / s.size()) check_size(kMaxStringBytes + 1);
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out += s;
    return Value(std::move(out));
  }
  const auto& list = *sequence.as_list();
  if (!list.items.empty() && static_cast<uint64_t>(count) > kMaxStringBytes / 16 / list.items.size()) {
    check_size(kMaxStringBytes + 1);
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < count; ++i) items.insert(items.end(), list.items.begin(), list.items.end());
  return list.is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

bool is_int_like(const Value& v) { return v.is_int() || v.is_bool(); }

// Python's %-formatting of a string, for the conversions templates use: %s %r %d %i %%.
Value percent_format(const std::string& format, const Value& arguments) {
  std::vector<Value> args;
  if (arguments.is_list() && arguments.as_list()->is_tuple) {
    args = arguments.as_list()->items;
  } else {
    args.push_back(arguments);
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (i + 1 >= format.size()) throw EvalError("incomplete format");
    const char conversion = format[++i];
    if (conversion == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= args.size()) throw EvalError("not enough arguments for format string");
    const Value& arg = args[next++];
    switch (conversion) {
      case 's': out += arg.str(); break;
      case 'r': out += arg.repr(); break;
      case 'd':
      case 'i':
        if (!arg.is_number()) throw EvalError("%d format: a real number is required, not " + arg.type_name());
        if (arg.is_float()) {
          out += std::to_string(static_cast<int64_t>(arg.as_float()));
        } else {
          out += std::to_string(arg.to_int());
        }
        break;
      default:
        throw EvalError(std::string("unsupported format character '") + conversion + "'");
    }
  }
  if (next < args.size()) throw EvalError("not all arguments converted during string formatting");
  return Value(std::move(out));
}

}  // namespace

Value binary_operation(std::string_view op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string out = a.str() + b.str();
    check_size(out.size());
    return Value(std::move(out));
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);

  const bool numbers = a.is_number() && b.is_number();
  const bool ints = is_int_like(a) && is_int_like(b);
  if (op == "+") {
    if (ints) {
      int64_t r;
      if (__builtin_add_overflow(a.to_int(), b.to_int(), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_float() + b.to_float());
    if (a.is_string() && b.is_string()) {
      check_size(a.as_string().size() + b.as_string().size());
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.as_list()->is_tuple == b.as_list()->is_tuple) {
      std::vector<Value> items = a.as_list()->items;
      items.insert(items.end(), b.as_list()->items.begin(), b.as_list()->items.end());
      return a.as_list()->is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string()) throw EvalError("can only concatenate str (not \"" + b.type_name() + "\") to str");
    unsupported(op, a, b);
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      if (__builtin_sub_overflow(a.to_int(), b.to_int(), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_float() - b.to_float());
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      if (__builtin_mul_overflow(a.to_int(), b.to_int(), &r)) overflow();
      return Value(r);
    }
    if (numbers) return Value(a.to_float() * b.to_float());
    if ((a.is_string() || a.is_list()) && is_int_like(b)) return repeat(a, b.to_int());
    if ((b.is_string() || b.is_list()) && is_int_like(a)) return repeat(b, a.to_int());
    unsupported(op, a, b);
  }
  if (op == "/") {
    if (!numbers) unsupported(op, a, b);
    if (b.to_float() == 0.0) throw EvalError("division by zero");
    return Value(a.to_float() / b.to_float());
  }
  if (op == "//" || op == "%") {
    if (op == "%" && a.is_string()) return percent_format(a.as_string(), b);
    if (!numbers) unsupported(op, a, b);
    if (ints) {
      const int64_t x = a.to_int();
      const int64_t y = b.to_int();
      if (y == 0) throw EvalError(op == "%" ? "integer modulo by zero" : "integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) {
        if (op == "%") return Value(int64_t{0});
        overflow();
      }
      // Python rounds the quotient down and gives the remainder the divisor's sign.
      int64_t quotient = x / y;
      int64_t remainder = x % y;
      if (remainder != 0 && ((remainder < 0) != (y < 0))) {
        --quotient;
        remainder += y;
      }
      return op == "//" ? Value(quotient) : Value(remainder);
    }
    const double x = a.to_float();
    const double y = b.to_float();
    if (y == 0.0) throw EvalError(op == "%" ? "float modulo" : "float floor division by zero");
    double remainder = std::fmod(x, y);
    if (remainder != 0.0 && ((remainder < 0) != (y < 0))) remainder += y;
    if (op == "%") return Value(remainder);
    return Value(std::floor(x / y));
  }
  if (op == "**") {
    if (!numbers) unsupported(op, a, b);
    if (ints && b.to_int() >= 0) {
      int64_t base = a.to_int();
      int64_t exponent = b.to_int();
      int64_t result = 1;
      while (exponent > 0) {
        if ((exponent & 1) != 0 && __builtin_mul_overflow(result, base, &result)) overflow();
        exponent >>= 1;
        if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
      }
      return Value(result);
    }
    if (a.to_float() == 0.0 && b.to_float() < 0) throw EvalError("0.0 cannot be raised to a negative power");
    return Value(std::pow(a.to_float(), b.to_float()));
  }
  throw EvalError("unknown operator " + std::string(op));
}

Value unary_operation(std::string_view op, const Value& operand) {
  if (operand.is_undefined()) fail_undefined(operand);
  if (!operand.is_number()) {
    throw EvalError("bad operand type for unary " + std::string(op) + ": '" + operand.type_name() + "'");
  }
  if (op == "+") return operand.is_bool() ? Value(operand.to_int()) : operand;
  if (operand.is_float()) return Value(-operand.as_float());
  if (operand.to_int() == std::numeric_limits<int64_t>::min()) overflow();
  return Value(-operand.to_int());
}

bool contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case Value::Type::undefined:
      return false;  // jinja2's Undefined iterates as empty
    case Value::Type::string:
      if (!item.is_string()) {
        throw EvalError("'in <string>' requires string as left operand, not " + item.type_name());
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Type::list:
      for (const auto& element : container.as_list()->items) {
        if (equals(element, item)) return true;
      }
      return false;
    case Value::Type::dict:
      if (item.is_list() && !item.as_list()->is_tuple) throw EvalError("unhashable type: 'list'");
      if (item.is_dict()) throw EvalError("unhashable type: 'dict'");
      return container.as_dict()->find(item) != nullptr;
    default:
      throw EvalError("argument of type '" + container.type_name() + "' is not iterable");
  }
}

bool comparison(std::string_view op, const Value& a, const Value& b) {
  if (op == "==") return equals(a, b);
  if (op == "!=") return !equals(a, b);
  if (op == "in") return contains(b, a);
  if (op == "not in") return !contains(b, a);
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  try {
    if (op == "<") return less_than(a, b);
    if (op == ">") return less_than(b, a);
    if (op == "<=") return less_than(a, b) || equals(a, b);
    if (op == ">=") return less_than(b, a) || equals(a, b);
  } catch (const std::invalid_argument&) {
    throw EvalError("'" + std::string(op) + "' not supported between instances of '" + a.type_name() +
                    "' and '" + b.type_name() + "'");
  }
  throw EvalError("unknown comparison " + std::string(op));
}

}  // namespace switchboard::local::jinja
