// The global functions a chat template can call: jinja2's range (with the sandbox's size limit),
// namespace and dict, and transformers' raise_exception and strftime_now.

#include <ctime>

#include "jinja/builtin_support.hpp"
#include "jinja/builtins.hpp"
#include "jinja/eval_error.hpp"
#include "jinja/interpreter.hpp"

namespace switchboard::local::jinja {
namespace {

using Spec = Parameters::Spec;

// jinja2's sandbox refuses ranges longer than this.
constexpr int64_t kMaxRange = 100000;

Value range(CallArgs& args, Interpreter&) {
  if (!args.keyword.empty()) throw EvalError("range() takes no keyword arguments");
  if (args.positional.empty() || args.positional.size() > 3) {
    throw EvalError("range expected 1 to 3 arguments, got " + std::to_string(args.positional.size()));
  }
  for (const auto& arg : args.positional) {
    if (!arg.is_int() && !arg.is_bool()) {
      throw EvalError("'" + arg.type_name() + "' object cannot be interpreted as an integer");
    }
  }
  int64_t start = 0;
  int64_t stop = 0;
  int64_t step = 1;
  if (args.positional.size() == 1) {
    stop = args.positional[0].to_int();
  } else {
    start = args.positional[0].to_int();
    stop = args.positional[1].to_int();
    if (args.positional.size() == 3) step = args.positional[2].to_int();
  }
  if (step == 0) throw EvalError("range() arg 3 must not be zero");
  // Count without overflow: the span is computed in long double, which holds any int64 pair.
  const long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
  const long double count = span <= 0 ? 0 : (span + (step > 0 ? step : -step) - 1) / (step > 0 ? step : -step);
  if (count > kMaxRange) {
    throw EvalError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  std::vector<Value> items;
  const auto n = static_cast<int64_t>(count);
  int64_t value = start;
  for (int64_t i = 0; i < n; ++i) {
    items.emplace_back(value);
    if (i + 1 < n) value += step;  // never steps past the last item, so it cannot overflow
  }
  return Value::list(std::move(items));
}

// dict(mapping or pairs, **kwargs), as Python builds it; namespace() takes the same arguments.
void fill_mapping(Dict& target, CallArgs& args, const char* function) {
  if (args.positional.size() > 1) throw EvalError(std::string(function) + " expected at most 1 argument");
  if (!args.positional.empty()) {
    const Value& source = args.positional.front();
    if (source.is_dict()) {
      for (const auto& [key, value] : source.as_dict()->entries) target.set(key, value);
    } else {
      for (const auto& pair : iterate(source)) {
        const auto items = iterate(pair);
        if (items.size() != 2) throw EvalError(std::string(function) + " sequence elements must have length 2");
        target.set(items[0], items[1]);
      }
    }
  }
  for (const auto& [name, value] : args.keyword) target.set(Value(name), value);
}

Value strftime_now(CallArgs& args, Interpreter&) {
  Parameters p("strftime_now", args, {Spec{"format", std::nullopt}});
  const std::string format = p[0].str();
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  if (format.empty()) return Value("");
  std::string buffer(format.size() * 64 + 64, '\0');
  const size_t written = std::strftime(buffer.data(), buffer.size(), format.c_str(), &local);
  buffer.resize(written);
  return Value(std::move(buffer));
}

}  // namespace

std::vector<std::pair<std::string, Value>> builtin_globals() {
  std::vector<std::pair<std::string, Value>> globals;
  globals.emplace_back("range", make_builtin("range", range));
  globals.emplace_back("dict", make_builtin("dict", [](CallArgs& args, Interpreter&) {
    Value dict = Value::dict();
    fill_mapping(*dict.as_dict(), args, "dict");
    return dict;
  }));
  globals.emplace_back("namespace", make_builtin("namespace", [](CallArgs& args, Interpreter& interp) {
    Value ns = interp.make_namespace();
    fill_mapping(*ns.as_dict(), args, "namespace");
    return ns;
  }));
  globals.emplace_back("raise_exception", make_builtin("raise_exception", [](CallArgs& args, Interpreter&) -> Value {
    Parameters p("raise_exception", args, {Spec{"message", std::nullopt}});
    throw EvalError(p[0].str(), true);
  }));
  globals.emplace_back("strftime_now", make_builtin("strftime_now", strftime_now));
  return globals;
}

}  // namespace switchboard::local::jinja
