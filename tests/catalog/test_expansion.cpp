// ${VAR}, ${VAR:-default} and $$ in scalar values.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::expect_single_issue;
using testing::ScopedEnv;

std::string description_of(const std::string& description_yaml) {
  const Catalog catalog = Catalog::parse(
      "providers: { p: { plugin: mock } }\nmodels:\n  m:\n    provider: p\n    description: " +
          description_yaml + "\n",
      "test.yaml");
  return catalog.model("m").description;
}

TEST(Expansion, SetVariableIsSubstitutedInsideText) {
  ScopedEnv token("SB_TEST_TOKEN", "abc123");
  EXPECT_EQ(description_of("Bearer ${SB_TEST_TOKEN}"), "Bearer abc123");
  EXPECT_EQ(description_of("${SB_TEST_TOKEN}${SB_TEST_TOKEN}!"), "abc123abc123!");
  EXPECT_EQ(description_of("\"quoted ${SB_TEST_TOKEN}\""), "quoted abc123");
}

TEST(Expansion, DefaultIsUsedWhenUnsetOrEmpty) {
  ScopedEnv unset("SB_TEST_UNSET", std::nullopt);
  ScopedEnv empty("SB_TEST_EMPTY", "");
  ScopedEnv set("SB_TEST_SET", "real");
  EXPECT_EQ(description_of("a ${SB_TEST_UNSET:-fallback value} b"), "a fallback value b");
  EXPECT_EQ(description_of("${SB_TEST_EMPTY:-fallback}"), "fallback");
  EXPECT_EQ(description_of("${SB_TEST_SET:-fallback}"), "real");
  EXPECT_EQ(description_of("'[${SB_TEST_UNSET:-}]'"), "[]");
}

TEST(Expansion, SetButEmptyVariableWithoutDefaultIsEmpty) {
  ScopedEnv empty("SB_TEST_EMPTY", "");
  EXPECT_EQ(description_of("'<${SB_TEST_EMPTY}>'"), "<>");
}

TEST(Expansion, DoubleDollarEscapesAndLoneDollarIsLiteral) {
  ScopedEnv set("SB_TEST_SET", "real");
  EXPECT_EQ(description_of("'$${SB_TEST_SET} costs $5'"), "${SB_TEST_SET} costs $5");
  EXPECT_EQ(description_of("'$$$${SB_TEST_SET}'"), "$${SB_TEST_SET}");
  EXPECT_EQ(description_of("'$$${SB_TEST_SET}'"), "$real");
  EXPECT_EQ(description_of("'ends with $'"), "ends with $");
}

TEST(Expansion, ExpansionAppliesToPathsAndNames) {
  ScopedEnv models("SB_TEST_MODELS", "/data/models");
  ScopedEnv plugin("SB_TEST_PLUGIN", "mock");
  const Catalog catalog = Catalog::parse(R"(providers: { p: { plugin: "${SB_TEST_PLUGIN}" } }
models:
  m: { provider: p, path: "${SB_TEST_MODELS}/tiny" }
)", "/etc/test.yaml");
  EXPECT_EQ(catalog.providers().at("p").plugin, "mock");
  EXPECT_EQ(catalog.model("m").path, std::filesystem::path("/data/models/tiny"));
}

TEST(Expansion, UnsetVariableIsAnIssueNamingIt) {
  ScopedEnv unset("SB_TEST_MISSING_KEY", std::nullopt);
  expect_single_issue(R"(providers:
  openai: { plugin: remote, api_key: "Bearer ${SB_TEST_MISSING_KEY}" }
)", 2, 38, "providers.openai.api_key", "environment variable SB_TEST_MISSING_KEY is not set");
}

TEST(Expansion, UnsetVariableInATypedFieldIsAnIssue) {
  ScopedEnv unset("SB_TEST_MISSING_CTX", std::nullopt);
  expect_single_issue(R"(providers: { p: { plugin: mock } }
models:
  m:
    provider: p
    context: ${SB_TEST_MISSING_CTX}
)", 5, 14, "models.m.context", "SB_TEST_MISSING_CTX is not set");
}

TEST(Expansion, UnterminatedReferenceIsAnIssue) {
  expect_single_issue(R"(providers:
  p: { plugin: mock, token: "${SB_TEST_OOPS" }
)", 2, 29, "providers.p.token", "unterminated '${'");
}

TEST(Expansion, BadVariableNameIsAnIssue) {
  expect_single_issue(R"(providers:
  p: { plugin: mock, token: "${1BAD}" }
)", 2, 29, "providers.p.token", "does not name an environment variable");
}

TEST(Expansion, ExpandedValueIsShownWhenItIsNotANumber) {
  ScopedEnv ctx("SB_TEST_CTX", "lots");
  expect_single_issue(R"(providers: { p: { plugin: mock } }
models:
  m: { provider: p, context: "${SB_TEST_CTX}" }
)", 3, 30, "models.m.context",
                      "expected a positive integer, got 'lots' (from '${SB_TEST_CTX}')");
}

}  // namespace
}  // namespace switchboard
