#pragma once
// The values a Jinja template computes with: Python's object model, cut down to what chat
// templates touch (None, bool, int, float, str, list/tuple, dict, callables) plus jinja2's
// Undefined. Printing, truthiness, equality and ordering follow Python, because the reference
// renderer is jinja2 running on Python objects.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchboard::local::jinja {

class Value;
struct List;
struct Dict;
struct Callable;
class Interpreter;

// jinja2's default Undefined: prints as "", is falsy and iterates as empty, but raises when its
// attributes or items are read, or when it takes part in arithmetic. `hint` says what was missing
// so that the error can name it.
struct Undefined {
  std::string hint;
};

using ListPtr = std::shared_ptr<List>;
using DictPtr = std::shared_ptr<Dict>;
using CallablePtr = std::shared_ptr<const Callable>;

class Value {
 public:
  enum class Type { undefined, none, boolean, integer, floating, string, list, dict, callable };

  Value() : data_(Undefined{}) {}
  explicit Value(Undefined u) : data_(std::move(u)) {}
  static Value undefined(std::string hint = {}) { return Value(Undefined{std::move(hint)}); }
  static Value none() {
    Value v;
    v.data_ = nullptr;
    return v;
  }
  Value(bool b) : data_(b) {}
  Value(int v) : data_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : data_(v) {}
  Value(double v) : data_(v) {}
  Value(std::string s) : data_(std::move(s)) {}
  Value(const char* s) : data_(std::string(s)) {}
  Value(ListPtr l) : data_(std::move(l)) {}
  Value(DictPtr d) : data_(std::move(d)) {}
  Value(CallablePtr c) : data_(std::move(c)) {}

  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items);
  static Value dict();
  // JSON objects keep their key order: Python dicts are ordered, and tojson must reproduce it.
  // Throws std::length_error past kMaxNesting.
  static Value from_json(const nlohmann::ordered_json& json);

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_undefined() const { return type() == Type::undefined; }
  bool is_none() const { return type() == Type::none; }
  bool is_bool() const { return type() == Type::boolean; }
  bool is_int() const { return type() == Type::integer; }
  bool is_float() const { return type() == Type::floating; }
  bool is_number() const { return is_int() || is_float() || is_bool(); }  // bool is an int in Python
  bool is_string() const { return type() == Type::string; }
  bool is_list() const { return type() == Type::list; }
  bool is_dict() const { return type() == Type::dict; }
  bool is_callable() const { return type() == Type::callable; }

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const { return std::get<int64_t>(data_); }
  double as_float() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const ListPtr& as_list() const { return std::get<ListPtr>(data_); }
  const DictPtr& as_dict() const { return std::get<DictPtr>(data_); }
  const CallablePtr& as_callable() const { return std::get<CallablePtr>(data_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(data_).hint; }

  // Numbers as Python sees them in arithmetic (True is 1).
  int64_t to_int() const { return is_bool() ? (as_bool() ? 1 : 0) : as_int(); }
  double to_float() const { return is_float() ? as_float() : static_cast<double>(to_int()); }

  bool truthy() const;                       // Python bool(x); Undefined is falsy
  std::string str() const;                   // Python str(x); Undefined prints as ""
  std::string repr() const;                  // Python repr(x)
  std::string type_name() const;             // Python's name for the type: 'str', 'dict', ...
  nlohmann::ordered_json to_json() const;    // throws std::invalid_argument for non-JSON values

 private:
  std::variant<Undefined, std::nullptr_t, bool, int64_t, double, std::string, ListPtr, DictPtr,
               CallablePtr>
      data_;
};

// How deeply a value nests lists and dicts (0 for scalars). Creation refuses values nested past
// kMaxNesting, so that printing, comparing and destroying them cannot exhaust the stack.
constexpr size_t kMaxNesting = 512;
size_t nesting_of(const Value& value);

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  size_t depth = 1;
};

// An insertion-ordered dict. Keys are hashable scalars; lookups go through their canonical key so
// that 1, 1.0 and True are one key, as in Python.
struct Dict {
  enum class Kind { dict, namespace_object, loop };  // namespace() allows attribute assignment
  Kind kind = Kind::dict;
  std::vector<std::pair<Value, Value>> entries;
  size_t depth = 1;

  const Value* find(const Value& key) const;
  void set(const Value& key, Value value);

 private:
  std::unordered_map<std::string, size_t> index_;
};

// Positional and keyword arguments of a call, as Python passes them.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Builtins, bound methods and macros. The interpreter is passed in so that macros can render.
struct Callable {
  std::string name;
  std::function<Value(CallArgs& args, Interpreter& interpreter)> call;
};

// The canonical dict key of a hashable value; throws std::invalid_argument for lists and dicts.
std::string hash_key(const Value& key);

// Python ==, and Python's < (throws std::invalid_argument where Python raises TypeError).
bool equals(const Value& a, const Value& b);
bool less_than(const Value& a, const Value& b);

// Python's repr() of a float: the shortest digits that read back exactly, "1.0", "1e+16", "inf".
std::string float_repr(double value);

}  // namespace switchboard::local::jinja
