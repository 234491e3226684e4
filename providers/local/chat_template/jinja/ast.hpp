#pragma once
// The syntax tree the parser builds and the interpreter walks. Every node remembers the byte
// offset it came from, so that runtime errors can say where in the template they happened.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.hpp"

namespace switchboard::local::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct Expr {
  enum class Kind {
    literal,      // value
    name,         // name
    list,         // items
    tuple,        // items
    dict,         // pairs
    attribute,    // object.name
    item,         // object[index]
    slice,        // object[start:stop:step]
    call,         // callee(arguments)
    filter,       // object | name(arguments)
    test,         // object is [not] name(arguments)
    unary,        // op object: "not", "-", "+"
    binary,       // left op right
    compare,      // left op1 right1 op2 right2 ... (chained like Python)
    conditional,  // then_branch if condition else else_branch
  };

  explicit Expr(Kind k, size_t at) : kind(k), offset(at) {}

  Kind kind;
  size_t offset;
  Value value;                                          // literal
  std::string name;                                     // name, attribute, filter, test, unary/binary op
  ExprPtr object;                                       // attribute, item, slice, call, filter, test, unary
  ExprPtr index, start, stop, step;                     // item, slice
  ExprPtr left, right;                                  // binary, compare (left)
  std::vector<std::pair<std::string, ExprPtr>> comparisons;  // compare: op and right operand
  ExprPtr condition, then_branch, else_branch;          // conditional
  std::vector<ExprPtr> items;                           // list, tuple
  std::vector<std::pair<ExprPtr, ExprPtr>> pairs;       // dict
  Arguments arguments;                                  // call, filter, test
  bool negated = false;                                 // test: "is not"
};

// Where `set` and `for` store values: a name, a namespace attribute, or a tuple of names.
struct Target {
  enum class Kind { name, attribute, tuple };
  Kind kind = Kind::name;
  std::string name;             // name; attribute: the namespace variable
  std::string attribute;        // attribute
  std::vector<Target> items;    // tuple
  size_t offset = 0;
};

struct MacroParameter {
  std::string name;
  ExprPtr default_value;  // null when the parameter is required
};

struct Stmt {
  enum class Kind {
    text,        // text
    output,      // {{ expression }}
    if_,         // branches (condition, body), else_body
    for_,        // target, iterable, filter, body, else_body
    set,         // target = expression
    set_block,   // {% set target | filters %} body {% endset %}
    macro,       // {% macro name(parameters) %} body
    call_block,  // {% call(parameters) expression %} body: body becomes caller()
    filter_block,
    with,        // {% with assignments %} body
    break_,
    continue_,
    generation,  // transformers' {% generation %} marker: renders its body unchanged
  };

  explicit Stmt(Kind k, size_t at) : kind(k), offset(at) {}

  Kind kind;
  size_t offset;
  std::string text;
  ExprPtr expression;  // output, set, for (iterable), call_block (the call)
  std::vector<ExprPtr> filters;  // set_block, filter_block: filter nodes applied to the body's output
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  Target target;
  ExprPtr loop_filter;  // for ... if loop_filter
  std::string name;     // macro
  std::vector<MacroParameter> parameters;                    // macro, call_block
  std::vector<std::pair<Target, ExprPtr>> assignments;       // with
};

}  // namespace switchboard::local::jinja
