#include "jinja/parser.hpp"

#include <charconv>
#include <cstdlib>
#include <initializer_list>

#include "jinja/builtins.hpp"
#include "jinja/template_error.hpp"

namespace switchboard::local::jinja {
namespace {

// Deeper nesting than this is refused rather than risking the native stack.
constexpr int kMaxNesting = 100;

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Body parse_template() {
    Body body = parse_body({});
    if (current().kind != Token::Kind::end) {
      fail("unexpected '" + current().value + "'");
    }
    return body;
  }

 private:
  struct NestingGuard {
    explicit NestingGuard(Parser& p) : parser(p) {
      if (++parser.nesting_ > kMaxNesting) {
        parser.fail("template nested more than " + std::to_string(kMaxNesting) + " levels deep");
      }
    }
    ~NestingGuard() { --parser.nesting_; }
    Parser& parser;
  };

  // ---- token stream -------------------------------------------------------------------------

  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead = 1) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw TemplateError(TemplateError::Kind::syntax, current().offset, message);
  }

  static std::string describe(const Token& token) {
    switch (token.kind) {
      case Token::Kind::text: return "template text";
      case Token::Kind::variable_begin: return "'{{'";
      case Token::Kind::variable_end: return "'}}'";
      case Token::Kind::block_begin: return "'{%'";
      case Token::Kind::block_end: return "'%}'";
      case Token::Kind::string: return "string literal";
      case Token::Kind::end: return "end of template";
      default: return "'" + token.value + "'";
    }
  }

  bool at_op(std::string_view op) const { return current().kind == Token::Kind::op && current().value == op; }
  bool at_name(std::string_view name) const {
    return current().kind == Token::Kind::name && current().value == name;
  }
  bool skip_op(std::string_view op) {
    if (!at_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!skip_op(op)) fail("expected '" + std::string(op) + "', got " + describe(current()));
  }
  void expect_name(std::string_view name) {
    if (!skip_name(name)) fail("expected '" + std::string(name) + "', got " + describe(current()));
  }
  std::string expect_identifier(std::string_view what) {
    if (current().kind != Token::Kind::name) fail("expected " + std::string(what) + ", got " + describe(current()));
    return advance().value;
  }
  void expect_block_end() {
    if (current().kind != Token::Kind::block_end) fail("expected '%}', got " + describe(current()));
    advance();
  }

  // ---- statements ---------------------------------------------------------------------------

  // Parses until a block tag whose name is one of `end_names`, and stops on that name.
  Body parse_body(std::initializer_list<std::string_view> end_names) {
    NestingGuard guard(*this);
    Body body;
    while (true) {
      const Token& token = current();
      switch (token.kind) {
        case Token::Kind::end:
          if (end_names.size() != 0) {
            // Name the tag that closes the block ("endif"), not an intermediate one ("elif").
            std::string_view closing = *end_names.begin();
            for (auto end_name : end_names) {
              if (end_name.substr(0, 3) == "end") closing = end_name;
            }
            fail("unexpected end of template, expected '" + std::string(closing) + "'" + open_block_note());
          }
          return body;
        case Token::Kind::text: {
          auto stmt = std::make_unique<Stmt>(Stmt::Kind::text, token.offset);
          stmt->text = token.value;
          body.push_back(std::move(stmt));
          advance();
          break;
        }
        case Token::Kind::variable_begin: {
          advance();
          auto stmt = std::make_unique<Stmt>(Stmt::Kind::output, token.offset);
          stmt->expression = parse_tuple(true, {});
          if (current().kind != Token::Kind::variable_end) fail("expected '}}', got " + describe(current()));
          advance();
          body.push_back(std::move(stmt));
          break;
        }
        case Token::Kind::block_begin: {
          const Token& name = peek();
          if (name.kind == Token::Kind::name) {
            for (auto end_name : end_names) {
              if (name.value == end_name) {
                advance();
                return body;
              }
            }
          }
          advance();
          body.push_back(parse_statement());
          break;
        }
        default:
          fail("unexpected " + describe(token));
      }
    }
  }

  std::string open_block_note() const {
    if (open_blocks_.empty()) return "";
    return " to close the '" + open_blocks_.back().first + "' block";
  }

  StmtPtr parse_statement() {
    const Token& token = current();
    if (token.kind != Token::Kind::name) fail("expected a statement name after '{%', got " + describe(token));
    const std::string& name = token.value;
    const size_t at = token.offset;
    advance();
    open_blocks_.emplace_back(name, at);
    StmtPtr stmt;
    if (name == "if") {
      stmt = parse_if(at);
    } else if (name == "for") {
      stmt = parse_for(at);
    } else if (name == "set") {
      stmt = parse_set(at);
    } else if (name == "macro") {
      stmt = parse_macro(at);
    } else if (name == "call") {
      stmt = parse_call_block(at);
    } else if (name == "filter") {
      stmt = parse_filter_block(at);
    } else if (name == "with") {
      stmt = parse_with(at);
    } else if (name == "generation") {
      expect_block_end();
      stmt = std::make_unique<Stmt>(Stmt::Kind::generation, at);
      stmt->body = parse_body({"endgeneration"});
      advance();
      expect_block_end();
    } else if (name == "break" || name == "continue") {
      if (loop_depth_ == 0) fail("'" + name + "' outside of a loop");
      stmt = std::make_unique<Stmt>(name == "break" ? Stmt::Kind::break_ : Stmt::Kind::continue_, at);
      expect_block_end();
    } else {
      pos_--;  // point the error at the tag name
      fail("unknown tag '" + name + "'" +
           (open_blocks_.size() > 1 ? "; the innermost open block is '" + open_blocks_[open_blocks_.size() - 2].first + "'"
                                    : std::string()));
    }
    open_blocks_.pop_back();
    return stmt;
  }

  StmtPtr parse_if(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::if_, at);
    ExprPtr condition = parse_tuple(false, {});
    expect_block_end();
    while (true) {
      Body body = parse_body({"elif", "else", "endif"});
      stmt->branches.emplace_back(std::move(condition), std::move(body));
      const std::string tag = advance().value;
      if (tag == "elif") {
        condition = parse_tuple(false, {});
        expect_block_end();
        continue;
      }
      if (tag == "else") {
        expect_block_end();
        stmt->else_body = parse_body({"endif"});
        advance();
      }
      expect_block_end();
      return stmt;
    }
  }

  StmtPtr parse_for(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::for_, at);
    stmt->target = parse_assign_target(false);
    expect_name("in");
    stmt->expression = parse_tuple(false, {"recursive"});
    if (skip_name("if")) stmt->loop_filter = parse_expression(true);
    if (at_name("recursive")) fail("recursive loops are not supported");
    expect_block_end();
    ++loop_depth_;
    stmt->body = parse_body({"endfor", "else"});
    --loop_depth_;
    if (advance().value == "else") {
      expect_block_end();
      stmt->else_body = parse_body({"endfor"});
      advance();
    }
    expect_block_end();
    return stmt;
  }

  StmtPtr parse_set(size_t at) {
    Target target = parse_assign_target(true);
    if (skip_op("=")) {
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::set, at);
      stmt->target = std::move(target);
      stmt->expression = parse_tuple(true, {});
      expect_block_end();
      return stmt;
    }
    if (target.kind != Target::Kind::name) fail("expected '=' after a set target");
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::set_block, at);
    stmt->target = std::move(target);
    stmt->filters = parse_filter_chain();
    expect_block_end();
    stmt->body = parse_body({"endset"});
    advance();
    expect_block_end();
    return stmt;
  }

  std::vector<ExprPtr> parse_filter_chain() {
    std::vector<ExprPtr> filters;
    while (skip_op("|")) filters.push_back(parse_filter(nullptr));
    return filters;
  }

  std::vector<MacroParameter> parse_parameters() {
    std::vector<MacroParameter> parameters;
    expect_op("(");
    while (!at_op(")")) {
      if (!parameters.empty()) expect_op(",");
      if (at_op(")")) break;
      MacroParameter parameter;
      parameter.name = expect_identifier("a parameter name");
      if (skip_op("=")) {
        parameter.default_value = parse_expression(true);
      } else if (!parameters.empty() && parameters.back().default_value) {
        fail("non-default argument follows default argument");
      }
      parameters.push_back(std::move(parameter));
    }
    advance();
    return parameters;
  }

  StmtPtr parse_macro(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::macro, at);
    stmt->name = expect_identifier("a macro name");
    stmt->parameters = parse_parameters();
    expect_block_end();
    const int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;  // a loop around the definition is not a loop around the body
    stmt->body = parse_body({"endmacro"});
    loop_depth_ = saved_loop_depth;
    advance();
    expect_block_end();
    return stmt;
  }

  StmtPtr parse_call_block(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::call_block, at);
    if (at_op("(")) stmt->parameters = parse_parameters();
    stmt->expression = parse_expression(true);
    if (stmt->expression->kind != Expr::Kind::call) fail("expected a call after 'call'");
    expect_block_end();
    const int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    stmt->body = parse_body({"endcall"});
    loop_depth_ = saved_loop_depth;
    advance();
    expect_block_end();
    return stmt;
  }

  StmtPtr parse_filter_block(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::filter_block, at);
    stmt->filters.push_back(parse_filter(nullptr));
    for (auto& more : parse_filter_chain()) stmt->filters.push_back(std::move(more));
    expect_block_end();
    stmt->body = parse_body({"endfilter"});
    advance();
    expect_block_end();
    return stmt;
  }

  StmtPtr parse_with(size_t at) {
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::with, at);
    while (current().kind != Token::Kind::block_end) {
      if (!stmt->assignments.empty()) expect_op(",");
      Target target = parse_assign_target(false);
      expect_op("=");
      stmt->assignments.emplace_back(std::move(target), parse_expression(true));
    }
    expect_block_end();
    stmt->body = parse_body({"endwith"});
    advance();
    expect_block_end();
    return stmt;
  }

  // `name`, `a, b`, `(a, b)`, or (for set) `namespace.attribute`.
  Target parse_assign_target(bool allow_attribute) {
    Target target;
    target.offset = current().offset;
    std::vector<Target> items;
    bool parenthesized = skip_op("(");
    while (true) {
      Target item;
      item.offset = current().offset;
      item.name = expect_identifier("a variable name");
      if (allow_attribute && !parenthesized && items.empty() && skip_op(".")) {
        item.kind = Target::Kind::attribute;
        item.attribute = expect_identifier("an attribute name");
        return item;
      }
      if (item.name == "true" || item.name == "false" || item.name == "none" || item.name == "True" ||
          item.name == "False" || item.name == "None") {
        fail("cannot assign to '" + item.name + "'");
      }
      items.push_back(std::move(item));
      if (!skip_op(",")) break;
      if (current().kind != Token::Kind::name) break;
    }
    if (parenthesized) expect_op(")");
    if (items.size() == 1 && !parenthesized) return std::move(items.front());
    target.kind = Target::Kind::tuple;
    target.items = std::move(items);
    return target;
  }

  // ---- expressions --------------------------------------------------------------------------

  ExprPtr make(Expr::Kind kind, size_t at) { return std::make_unique<Expr>(kind, at); }

  bool at_tuple_end(std::initializer_list<std::string_view> extra_end_names) const {
    const Token& token = current();
    if (token.kind == Token::Kind::variable_end || token.kind == Token::Kind::block_end ||
        token.kind == Token::Kind::end || (token.kind == Token::Kind::op && token.value == ")")) {
      return true;
    }
    if (token.kind == Token::Kind::name) {
      for (auto name : extra_end_names) {
        if (token.value == name) return true;
      }
    }
    return false;
  }

  // Comma-separated expressions; more than one (or a trailing comma) makes a tuple.
  ExprPtr parse_tuple(bool with_conditional, std::initializer_list<std::string_view> extra_end_names) {
    const size_t at = current().offset;
    std::vector<ExprPtr> items;
    bool saw_comma = false;
    while (true) {
      if (!items.empty()) {
        if (!skip_op(",")) break;
        saw_comma = true;
      }
      if (at_tuple_end(extra_end_names)) break;
      items.push_back(with_conditional ? parse_expression(true) : parse_or());
    }
    if (items.empty()) fail("expected an expression, got " + describe(current()));
    if (items.size() == 1 && !saw_comma) return std::move(items.front());
    auto tuple = make(Expr::Kind::tuple, at);
    tuple->items = std::move(items);
    return tuple;
  }

  ExprPtr parse_expression(bool with_conditional) {
    NestingGuard guard(*this);
    return with_conditional ? parse_conditional() : parse_or();
  }

  ExprPtr parse_conditional() {
    ExprPtr expr = parse_or();
    while (at_name("if")) {
      const size_t at = advance().offset;
      auto node = make(Expr::Kind::conditional, at);
      node->then_branch = std::move(expr);
      node->condition = parse_or();
      if (skip_name("else")) node->else_branch = parse_conditional();
      expr = std::move(node);
    }
    return expr;
  }

  ExprPtr binary(std::string op, ExprPtr left, ExprPtr right, size_t at) {
    auto node = make(Expr::Kind::binary, at);
    node->name = std::move(op);
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }

  ExprPtr parse_or() {
    ExprPtr expr = parse_and();
    while (at_name("or")) {
      const size_t at = advance().offset;
      expr = binary("or", std::move(expr), parse_and(), at);
    }
    return expr;
  }

  ExprPtr parse_and() {
    ExprPtr expr = parse_not();
    while (at_name("and")) {
      const size_t at = advance().offset;
      expr = binary("and", std::move(expr), parse_not(), at);
    }
    return expr;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      NestingGuard guard(*this);
      auto node = make(Expr::Kind::unary, advance().offset);
      node->name = "not";
      node->object = parse_not();
      return node;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const size_t at = current().offset;
    ExprPtr expr = parse_math1();
    std::vector<std::pair<std::string, ExprPtr>> comparisons;
    while (true) {
      const Token& token = current();
      if (token.kind == Token::Kind::op &&
          (token.value == "==" || token.value == "!=" || token.value == "<" || token.value == "<=" ||
           token.value == ">" || token.value == ">=")) {
        std::string op = advance().value;
        comparisons.emplace_back(std::move(op), parse_math1());
      } else if (at_name("in")) {
        advance();
        comparisons.emplace_back("in", parse_math1());
      } else if (at_name("not") && peek().kind == Token::Kind::name && peek().value == "in") {
        advance();
        advance();
        comparisons.emplace_back("not in", parse_math1());
      } else {
        break;
      }
    }
    if (comparisons.empty()) return expr;
    auto node = make(Expr::Kind::compare, at);
    node->left = std::move(expr);
    node->comparisons = std::move(comparisons);
    return node;
  }

  ExprPtr parse_math1() {
    ExprPtr expr = parse_concat();
    while (at_op("+") || at_op("-")) {
      const Token& op = advance();
      expr = binary(op.value, std::move(expr), parse_concat(), op.offset);
    }
    return expr;
  }

  ExprPtr parse_concat() {
    ExprPtr expr = parse_math2();
    while (at_op("~")) {
      const size_t at = advance().offset;
      expr = binary("~", std::move(expr), parse_math2(), at);
    }
    return expr;
  }

  ExprPtr parse_math2() {
    ExprPtr expr = parse_pow();
    while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
      const Token& op = advance();
      expr = binary(op.value, std::move(expr), parse_pow(), op.offset);
    }
    return expr;
  }

  ExprPtr parse_pow() {
    ExprPtr expr = parse_unary(true);
    while (at_op("**")) {
      const size_t at = advance().offset;
      expr = binary("**", std::move(expr), parse_unary(true), at);
    }
    return expr;
  }

  ExprPtr parse_unary(bool with_filter) {
    NestingGuard guard(*this);
    ExprPtr expr;
    if (at_op("-") || at_op("+")) {
      const Token& op = advance();
      expr = make(Expr::Kind::unary, op.offset);
      expr->name = op.value;
      expr->object = parse_unary(false);
    } else {
      expr = parse_primary();
    }
    expr = parse_postfix(std::move(expr));
    if (with_filter) expr = parse_filter_expression(std::move(expr));
    return expr;
  }

  ExprPtr parse_primary() {
    const Token& token = current();
    switch (token.kind) {
      case Token::Kind::name: {
        advance();
        auto node = make(Expr::Kind::literal, token.offset);
        if (token.value == "true" || token.value == "True") {
          node->value = Value(true);
        } else if (token.value == "false" || token.value == "False") {
          node->value = Value(false);
        } else if (token.value == "none" || token.value == "None") {
          node->value = Value::none();
        } else {
          node->kind = Expr::Kind::name;
          node->name = token.value;
        }
        return node;
      }
      case Token::Kind::string: {
        auto node = make(Expr::Kind::literal, token.offset);
        std::string text;
        while (current().kind == Token::Kind::string) text += advance().value;  // "a" "b" is "ab"
        node->value = Value(std::move(text));
        return node;
      }
      case Token::Kind::integer: {
        advance();
        int64_t number = 0;
        const auto result = std::from_chars(token.value.data(), token.value.data() + token.value.size(), number);
        if (result.ec != std::errc()) {
          pos_--;
          fail("integer literal " + token.value + " is too large");
        }
        auto node = make(Expr::Kind::literal, token.offset);
        node->value = Value(number);
        return node;
      }
      case Token::Kind::floating: {
        advance();
        auto node = make(Expr::Kind::literal, token.offset);
        node->value = Value(std::strtod(token.value.c_str(), nullptr));
        return node;
      }
      case Token::Kind::op:
        if (token.value == "(") return parse_parenthesized();
        if (token.value == "[") return parse_list();
        if (token.value == "{") return parse_dict();
        break;
      default:
        break;
    }
    fail("expected an expression, got " + describe(token));
  }

  ExprPtr parse_parenthesized() {
    const size_t at = advance().offset;
    if (skip_op(")")) {
      auto node = make(Expr::Kind::tuple, at);
      return node;
    }
    ExprPtr expr = parse_tuple(true, {});
    expect_op(")");
    return expr;
  }

  ExprPtr parse_list() {
    auto node = make(Expr::Kind::list, advance().offset);
    while (!at_op("]")) {
      if (!node->items.empty()) expect_op(",");
      if (at_op("]")) break;
      node->items.push_back(parse_expression(true));
    }
    advance();
    return node;
  }

  ExprPtr parse_dict() {
    auto node = make(Expr::Kind::dict, advance().offset);
    while (!at_op("}")) {
      if (!node->pairs.empty()) expect_op(",");
      if (at_op("}")) break;
      ExprPtr key = parse_expression(true);
      expect_op(":");
      node->pairs.emplace_back(std::move(key), parse_expression(true));
    }
    advance();
    return node;
  }

  ExprPtr parse_postfix(ExprPtr expr) {
    while (true) {
      if (at_op(".")) {
        const size_t at = advance().offset;
        if (current().kind == Token::Kind::integer) {
          auto node = make(Expr::Kind::item, at);
          node->object = std::move(expr);
          node->index = parse_primary();
          expr = std::move(node);
        } else {
          auto node = make(Expr::Kind::attribute, at);
          node->object = std::move(expr);
          node->name = expect_identifier("an attribute name");
          expr = std::move(node);
        }
      } else if (at_op("[")) {
        expr = parse_subscript(std::move(expr));
      } else if (at_op("(")) {
        expr = parse_call(std::move(expr));
      } else {
        return expr;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr object) {
    NestingGuard guard(*this);
    const size_t at = advance().offset;
    ExprPtr start;
    if (!at_op(":")) {
      start = parse_expression(true);
      if (!at_op(":")) {
        expect_op("]");
        auto node = make(Expr::Kind::item, at);
        node->object = std::move(object);
        node->index = std::move(start);
        return node;
      }
    }
    auto node = make(Expr::Kind::slice, at);
    node->object = std::move(object);
    node->start = std::move(start);
    expect_op(":");
    if (!at_op("]") && !at_op(":")) node->stop = parse_expression(true);
    if (skip_op(":") && !at_op("]")) node->step = parse_expression(true);
    expect_op("]");
    return node;
  }

  Arguments parse_arguments() {
    Arguments arguments;
    expect_op("(");
    while (!at_op(")")) {
      if (!arguments.positional.empty() || !arguments.keyword.empty()) expect_op(",");
      if (at_op(")")) break;
      if (at_op("*") || at_op("**")) fail("*args and **kwargs in calls are not supported");
      if (current().kind == Token::Kind::name && peek().kind == Token::Kind::op && peek().value == "=") {
        std::string name = advance().value;
        advance();
        arguments.keyword.emplace_back(std::move(name), parse_expression(true));
      } else {
        if (!arguments.keyword.empty()) fail("positional argument follows keyword argument");
        arguments.positional.push_back(parse_expression(true));
      }
    }
    advance();
    return arguments;
  }

  ExprPtr parse_call(ExprPtr callee) {
    NestingGuard guard(*this);
    auto node = make(Expr::Kind::call, current().offset);
    node->object = std::move(callee);
    node->arguments = parse_arguments();
    return node;
  }

  // `| name(args)` applied to `object` (null for filter blocks, where the body is the input).
  ExprPtr parse_filter(ExprPtr object) {
    const size_t at = current().offset;
    std::string name = expect_identifier("a filter name");
    while (skip_op(".")) {
      name.push_back('.');
      name += expect_identifier("a filter name");
    }
    if (!is_filter(name)) {
      pos_--;
      fail("no filter named '" + name + "'");
    }
    auto node = make(Expr::Kind::filter, at);
    node->name = std::move(name);
    node->object = std::move(object);
    if (at_op("(")) node->arguments = parse_arguments();
    return node;
  }

  ExprPtr parse_filter_expression(ExprPtr expr) {
    while (true) {
      if (skip_op("|")) {
        expr = parse_filter(std::move(expr));
      } else if (at_name("is")) {
        expr = parse_test(std::move(expr));
      } else if (at_op("(")) {
        expr = parse_call(std::move(expr));
      } else {
        return expr;
      }
    }
  }

  ExprPtr parse_test(ExprPtr object) {
    auto node = make(Expr::Kind::test, advance().offset);
    node->object = std::move(object);
    node->negated = skip_name("not");
    std::string name = expect_identifier("a test name");
    while (skip_op(".")) {
      name.push_back('.');
      name += expect_identifier("a test name");
    }
    if (!is_test(name)) {
      pos_--;
      fail("no test named '" + name + "'");
    }
    node->name = std::move(name);
    const Token& token = current();
    if (at_op("(")) {
      node->arguments = parse_arguments();
    } else if ((token.kind == Token::Kind::name || token.kind == Token::Kind::string ||
                token.kind == Token::Kind::integer || token.kind == Token::Kind::floating ||
                (token.kind == Token::Kind::op && (token.value == "(" || token.value == "[" || token.value == "{"))) &&
               !(token.kind == Token::Kind::name &&
                 (token.value == "else" || token.value == "or" || token.value == "and"))) {
      if (at_name("is")) fail("you cannot chain multiple tests with is");
      // `x is divisibleby 3`: one argument without parentheses.
      node->arguments.positional.push_back(parse_postfix(parse_primary()));
    }
    return node;
  }

  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
  int nesting_ = 0;
  int loop_depth_ = 0;
  std::vector<std::pair<std::string, size_t>> open_blocks_;
};

}  // namespace

Body parse(const std::vector<Token>& tokens) { return Parser(tokens).parse_template(); }

}  // namespace switchboard::local::jinja
