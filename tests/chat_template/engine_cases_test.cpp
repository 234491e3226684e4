// The Jinja engine feature by feature: data/engine_cases.json holds small templates with the
// output jinja2 gives for them (checked with verify_engine_cases_with_jinja2.py), or the kind of
// error jinja2 raises.

#include <string>

#include <gtest/gtest.h>

#include "jinja/template.hpp"
#include "jinja/template_error.hpp"
#include "test_support.hpp"

namespace {

using chat_template_test::first_difference;
using switchboard::local::jinja::Template;
using switchboard::local::jinja::TemplateError;
using switchboard::local::jinja::Value;

std::string render(const nlohmann::ordered_json& test_case) {
  const Template compiled(test_case["template"].get<std::string>());
  std::vector<std::pair<std::string, Value>> variables;
  for (const auto& [name, value] : test_case["variables"].items()) variables.emplace_back(name, Value::from_json(value));
  return compiled.render(variables);
}

std::string kind_name(TemplateError::Kind kind) {
  switch (kind) {
    case TemplateError::Kind::syntax: return "syntax";
    case TemplateError::Kind::runtime: return "runtime";
    case TemplateError::Kind::raised: return "raised";
  }
  return "?";
}

TEST(EngineCases, EachCaseMatchesJinja2) {
  const auto data = chat_template_test::read_json(std::string(SWITCHBOARD_TEST_DATA) + "/chat_template/data/engine_cases.json");
  const auto& cases = data["cases"];
  ASSERT_GT(cases.size(), 100u);
  for (const auto& test_case : cases) {
    const std::string name = test_case["name"].get<std::string>();
    SCOPED_TRACE(name + ": " + test_case["template"].get<std::string>());
    if (test_case.contains("expected")) {
      try {
        EXPECT_EQ(first_difference(test_case["expected"].get<std::string>(), render(test_case)), "") << name;
      } catch (const TemplateError& error) {
        ADD_FAILURE() << name << ": unexpected " << kind_name(error.kind()) << " error: " << error.what();
      }
      continue;
    }
    try {
      const std::string output = render(test_case);
      ADD_FAILURE() << name << ": expected an error, got output " << nlohmann::json(output).dump();
    } catch (const TemplateError& error) {
      EXPECT_EQ(kind_name(error.kind()), test_case["error_kind"].get<std::string>()) << name << ": " << error.what();
      EXPECT_NE(std::string(error.what()).find(test_case["error"].get<std::string>()), std::string::npos)
          << name << ": the message was: " << error.what();
    }
  }
}

}  // namespace
