// Hostile or broken templates and inputs end in an error, never a crash, a hang or a leak.

#include <random>
#include <string>

#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "chat_template.hpp"
#include "jinja/template.hpp"
#include "jinja/template_error.hpp"

namespace {

using switchboard::local::ChatTemplate;
using switchboard::local::jinja::Limits;
using switchboard::local::jinja::Template;
using switchboard::local::jinja::TemplateError;
using json = nlohmann::ordered_json;

// Compiles and renders; returns the error message, or "" when it rendered.
std::string outcome(const std::string& source, Limits limits = {}) {
  try {
    Template(source).render({}, limits);
    return "";
  } catch (const TemplateError& error) {
    return error.what();
  }
}

TEST(Robustness, DeepExpressionNestingIsASyntaxError) {
  const std::string source = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_NE(outcome(source).find("nested more than"), std::string::npos);
  EXPECT_NE(outcome("{{ " + std::string(5000, '-') + "1 }}").find("nested more than"), std::string::npos);
  EXPECT_NE(outcome("{{ " + std::string(5000, '[') + "1" + std::string(5000, ']') + " }}").find("nested more than"),
            std::string::npos);
  EXPECT_NE(outcome("{{ x" + std::string(5000, '|') + " }}"), "");
}

TEST(Robustness, DeepBlockNestingIsASyntaxError) {
  std::string source;
  for (int i = 0; i < 3000; ++i) source += "{% if true %}";
  EXPECT_NE(outcome(source).find("nested more than"), std::string::npos);
}

TEST(Robustness, EndlessMacroRecursionStops) {
  EXPECT_NE(outcome("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").find("macro calls nested more than"),
            std::string::npos);
}

TEST(Robustness, ExponentialWorkRunsOutOfSteps) {
  const std::string source =
      "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}";
  Limits limits;
  limits.max_steps = 200000;
  EXPECT_NE(outcome(source, limits).find("budget"), std::string::npos);
}

TEST(Robustness, HugeStringsAndOutputAreRefused) {
  EXPECT_NE(outcome("{{ 'x' * 1000000000000 }}").find("too large"), std::string::npos);
  Limits limits;
  limits.max_output_bytes = 1000;
  EXPECT_NE(outcome("{% for i in range(100) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}", limits).find("output exceeded"),
            std::string::npos);
  EXPECT_NE(outcome("{{ 9223372036854775807 + 1 }}").find("overflow"), std::string::npos);
  EXPECT_NE(outcome("{{ 99999999999999999999 }}").find("too large"), std::string::npos);
}

TEST(Robustness, SelfReferencingNamespaceNeitherLoopsNorLeaks) {
  EXPECT_EQ(outcome("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me is defined }}"), "");
  EXPECT_NE(outcome("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"), "");
  EXPECT_NE(outcome("{% set ns = namespace(x=[]) %}{% for i in range(600) %}{% set ns.x = [ns.x] %}{% endfor %}"),
            "");
}

TEST(Robustness, DeeplyNestedInputIsRefused) {
  json deep = json::array();
  for (int i = 0; i < 2000; ++i) deep = json::array({deep});
  const ChatTemplate chat("{{ messages|length }}");
  try {
    chat.render(deep);
    FAIL() << "expected an error";
  } catch (const switchboard::Error& error) {
    EXPECT_EQ(error.category(), switchboard::ErrorCategory::invalid_request);
  }
}

TEST(Robustness, MalformedUtf8DoesNotCrash) {
  EXPECT_EQ(outcome("{{ '\xff\xfe' }}{{ '\xe2\x82'|length }}{{ '\xf0\x9f'[::-1] }}"), "");
  const ChatTemplate chat("{{ messages[0]|upper }}{{ messages[0]|tojson }}{{ messages[0][::-1] }}");
  EXPECT_NO_THROW(chat.render(json::array({std::string("\xc3")})));
}

TEST(Robustness, UnterminatedConstructsAreSyntaxErrors) {
  for (const char* source : {"{{", "{%", "{#", "{{ 'a", "{% for x in %}", "{% raw %}x", "{{ x[ }}", "{{ f( }}",
                             "{{ {1: }}", "{% macro m( %}", "{% set %}", "{% endfor %}", "{{ 'a' is }}", "{{ x| }}",
                             "{% if x %}{% elif %}{% endif %}", "{{ '\\x4' }}", "{{ 1 if }}"}) {
    SCOPED_TRACE(source);
    EXPECT_NE(outcome(source), "");
  }
}

// Random token soup: every outcome must be output or a TemplateError, nothing else.
TEST(Robustness, RandomTemplatesNeverEscapeAsOtherFailures) {
  const std::vector<std::string> pieces = {
      "{{", "}}", "{%", "%}", "{#", "#}", "-", "+", " ", "\n", "if", "elif", "else", "endif", "for", "in",
      "endfor", "set", "=", "x", "ns", "namespace()", "ns.a", "loop.index", "(", ")", "[", "]", "{", "}", ",",
      ":", "'s'", "\"t\"", "1", "2.5", "|", "trim", "tojson", "length", "is", "not", "defined", "and", "or",
      "~", "*", "**", "//", "%", "macro", "endmacro", "m()", "raise_exception('r')", "range(3)", "[::-1]",
      "none", "true", ".items()", "break", "continue", "raw", "endraw", "call", "endcall", "caller()"};
  std::mt19937 random(12345);
  Limits limits;
  limits.max_steps = 100000;
  for (int iteration = 0; iteration < 4000; ++iteration) {
    std::string source;
    const int length = 1 + static_cast<int>(random() % 30);
    for (int i = 0; i < length; ++i) source += pieces[random() % pieces.size()];
    try {
      Template(source).render({{"x", switchboard::local::jinja::Value::from_json(json::array({1, "a"}))}}, limits);
    } catch (const TemplateError&) {
    } catch (const std::exception& other) {
      ADD_FAILURE() << "template " << json(source).dump() << " threw " << other.what();
    }
  }
}

}  // namespace
