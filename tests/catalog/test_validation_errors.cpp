// Each kind of mistake a catalog can hold: where it is reported and what it says.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::expect_single_issue;
using testing::issues_of;

// Most cases below need a provider to point at; it sits on line 1.
const std::string kProvider = "providers: { p: { plugin: mock } }\n";

TEST(ValidationErrors, YamlSyntaxErrorGivesTheParsersPosition) {
  expect_single_issue("models:\n  a: [1, 2\n  b: 3\n", 3, 4, "", "YAML syntax error: end of sequence flow not found");
  // With no field, the printed form is file:line:column: message.
  const auto issues = issues_of("models: [\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].to_string().rfind("test.yaml:", 0), 0u);
  EXPECT_NE(issues[0].to_string().find(": YAML syntax error: "), std::string::npos);
}

TEST(ValidationErrors, QuantizeTakesOnlyKnownSchemes) {
  expect_single_issue(kProvider + "models:\n  m: { provider: p, quantize: q3 }\n", 3, 31, "models.m.quantize",
                      "expected q4, q8 or none, got 'q3'");
  const auto catalog = Catalog::parse(kProvider + "models:\n  m: { provider: p, quantize: q8 }\n", "test.yaml");
  EXPECT_EQ(catalog.model("m").quantize, "q8");
}

TEST(ValidationErrors, DocumentMustBeAMap) {
  expect_single_issue("- a\n- b\n", 1, 1, "", "expected a map of catalog keys");
}

TEST(ValidationErrors, UnknownTopLevelKeySuggestsTheNearOne) {
  expect_single_issue("modles: {}\n", 1, 1, "modles", "unknown key 'modles'; did you mean 'models'?");
  expect_single_issue("plugin_path: []\n", 1, 1, "plugin_path",
                      "unknown key 'plugin_path'; did you mean 'plugin_paths'?");
}

TEST(ValidationErrors, UnknownKeyFarFromAnyHasNoSuggestion) {
  const auto issues = issues_of("frobnicate: 1\n");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].message, "unknown key 'frobnicate'");
}

TEST(ValidationErrors, UnknownModelKeySuggestsTheNearOne) {
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    contxt: 4096\n", 5, 5,
                      "models.m.contxt", "unknown key 'contxt'; did you mean 'context'?");
}

TEST(ValidationErrors, MisspelledProviderKeyIsReportedWithTheMissingProvider) {
  const auto issues = issues_of(kProvider + "models:\n  m:\n    provder: p\n");
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].to_string(), "test.yaml:4:5: models.m.provder: unknown key 'provder'; did you mean 'provider'?");
  EXPECT_EQ(issues[1].where.line, 3);
  EXPECT_EQ(issues[1].where.column, 3);
  EXPECT_EQ(issues[1].field, "models.m.provider");
  EXPECT_NE(issues[1].message.find("missing 'provider'"), std::string::npos);
}

TEST(ValidationErrors, SamplingKeyOutsideDefaultsPointsThere) {
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    temperature: 0.2\n", 5, 5,
                      "models.m.temperature", "sampling settings go under 'defaults' (defaults.temperature)");
}

TEST(ValidationErrors, UnknownDefaultsKeySuggestsTheNearOne) {
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    defaults:\n      max_token: 5\n",
                      6, 7, "models.m.defaults.max_token",
                      "unknown key 'max_token'; did you mean 'max_tokens'?");
}

TEST(ValidationErrors, ModelMustNameADefinedProvider) {
  expect_single_issue(kProvider + "models:\n  m: { provider: q }\n", 3, 18, "models.m.provider",
                      "unknown provider 'q'; did you mean 'p'?");
  expect_single_issue("providers: { cpu: { plugin: local }, gpu: { plugin: local } }\n"
                      "models:\n  m: { provider: openai }\n",
                      3, 18, "models.m.provider", "unknown provider 'openai'; defined providers: cpu, gpu");
  expect_single_issue("models:\n  m: { provider: cpu }\n", 2, 18, "models.m.provider",
                      "unknown provider 'cpu'; no providers are defined");
}

TEST(ValidationErrors, ProviderNeedsAPlugin) {
  expect_single_issue("providers:\n  cpu: { backend: cpu }\n", 2, 3, "providers.cpu.plugin", "missing 'plugin'");
  expect_single_issue("providers:\n  cpu: { plugin: '' }\n", 2, 18, "providers.cpu.plugin",
                      "expected a plugin name (local, remote, mock, ...), got an empty string");
}

TEST(ValidationErrors, EntriesMustBeMaps) {
  expect_single_issue("providers:\n  cpu: local\n", 2, 8, "providers.cpu",
                      "expected a map with a 'plugin' key and the provider's options, got 'local'");
  expect_single_issue(kProvider + "models:\n  m: [p]\n", 3, 6, "models.m",
                      "expected a map of model settings (provider, path, source, ...), got a list");
  // An empty value is reported at its key: yaml-cpp puts empty nodes on the next line.
  expect_single_issue(kProvider + "models:\n  m:\n", 3, 3, "models.m",
                      "expected a map of model settings (provider, path, source, ...), got nothing");
}

TEST(ValidationErrors, SectionsMustHaveTheirShape) {
  expect_single_issue("providers: [a, b]\n", 1, 12, "providers", "expected a map of names to entries, got a list");
  expect_single_issue("models: fast\n", 1, 9, "models", "expected a map of names to entries, got 'fast'");
  expect_single_issue("plugin_paths: { a: b }\n", 1, 15, "plugin_paths", "expected a list of strings, got a map");
  expect_single_issue("include: [ok.yaml, [nested]]\n", 1, 20, "include[1]", "expected a string, got a list");
  expect_single_issue("default: [a]\n", 1, 10, "default", "expected a string, got a list");
}

TEST(ValidationErrors, ContextMustBeAPositiveInteger) {
  const std::string model = kProvider + "models:\n  m:\n    provider: p\n    context: ";
  expect_single_issue(model + "abc\n", 5, 14, "models.m.context", "expected a positive integer, got 'abc'");
  expect_single_issue(model + "0\n", 5, 14, "models.m.context", "expected a positive integer, got '0'");
  expect_single_issue(model + "4096.5\n", 5, 14, "models.m.context", "expected a positive integer, got '4096.5'");
  expect_single_issue(model + "99999999999\n", 5, 14, "models.m.context",
                      "expected a positive integer, got '99999999999'");
  expect_single_issue(model + "[1]\n", 5, 14, "models.m.context", "expected a positive integer, got a list");
}

struct DefaultsCase {
  const char* key;
  const char* value;
  const char* expected;
};

class DefaultsRange : public ::testing::TestWithParam<DefaultsCase> {};

TEST_P(DefaultsRange, OutOfRangeOrMistypedValueIsAnIssue) {
  const DefaultsCase& c = GetParam();
  const std::string yaml = kProvider + "models:\n  m:\n    provider: p\n    defaults:\n      " +
                           c.key + ": " + c.value + "\n";
  const int value_column = 7 + static_cast<int>(std::string(c.key).size()) + 2;
  expect_single_issue(yaml, 6, value_column, std::string("models.m.defaults.") + c.key,
                      std::string("expected ") + c.expected + ", got '" + c.value + "'");
}

INSTANTIATE_TEST_SUITE_P(
    EveryDefaultsKey, DefaultsRange,
    ::testing::Values(DefaultsCase{"max_tokens", "0", "a positive integer"},
                      DefaultsCase{"max_tokens", "many", "a positive integer"},
                      DefaultsCase{"temperature", "-0.1", "a number >= 0"},
                      DefaultsCase{"temperature", "hot", "a number >= 0"},
                      DefaultsCase{"temperature", ".nan", "a number >= 0"},
                      DefaultsCase{"top_p", "0", "a number in (0, 1]"},
                      DefaultsCase{"top_p", "1.5", "a number in (0, 1]"},
                      DefaultsCase{"top_k", "-1", "an integer >= 0 (0 turns it off)"},
                      DefaultsCase{"top_k", "2.5", "an integer >= 0 (0 turns it off)"},
                      DefaultsCase{"min_p", "1.01", "a number in [0, 1]"},
                      DefaultsCase{"repetition_penalty", "0", "a number > 0"},
                      DefaultsCase{"presence_penalty", "2.5", "a number in [-2, 2]"},
                      DefaultsCase{"frequency_penalty", "-3", "a number in [-2, 2]"},
                      DefaultsCase{"seed", "-1", "a non-negative integer"},
                      DefaultsCase{"seed", "18446744073709551616", "a non-negative integer"}));

TEST(ValidationErrors, StopMustBeStrings) {
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    stop: [a, {b: c}]\n", 5, 15,
                      "models.m.stop[1]", "expected a string, got a map");
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    defaults: { stop: {a: b} }\n", 5,
                      23, "models.m.defaults.stop", "expected a list of strings, got a map");
}

TEST(ValidationErrors, SourceMustBeAHubReference) {
  const std::string model = kProvider + "models:\n  m:\n    provider: p\n    source: ";
  for (const char* bad : {"org/repo", "hf:repo", "hf:/repo", "hf:org/", "hf:org/re po",
                          "hf:org/repo@", "hf:a/b/c", "s3:org/repo"}) {
    SCOPED_TRACE(bad);
    expect_single_issue(model + "'" + bad + "'\n", 5, 13, "models.m.source",
                        std::string(R"(expected "hf:org/repo" or "hf:org/repo@revision", got ')") + bad + "'");
  }
}

TEST(ValidationErrors, AliasesMustBeNames) {
  expect_single_issue(kProvider + "models:\n  m: { provider: p, aliases: [[x]] }\n", 3, 31,
                      "models.m.aliases[0]", "expected a string, got a list");
  expect_single_issue(kProvider + "models:\n  m: { provider: p, aliases: [''] }\n", 3, 31,
                      "models.m.aliases", "expected a name, got an empty string");
}

TEST(ValidationErrors, StringFieldsMustBeStrings) {
  expect_single_issue(kProvider + "models:\n  m: { provider: p, description: {a: 1} }\n", 3, 34,
                      "models.m.description", "expected a string, got a map");
  expect_single_issue(kProvider + "models:\n  m: { provider: [p] }\n", 3, 18, "models.m.provider",
                      "expected a string, got a list");
  expect_single_issue(kProvider + "models:\n  m: { provider: p, remote_name: '' }\n", 3, 34,
                      "models.m.remote_name", "expected the model's name at the API, got an empty string");
}

TEST(ValidationErrors, PathsMustNotBeEmpty) {
  expect_single_issue(kProvider + "models:\n  m: { provider: p, path: '' }\n", 3, 27, "models.m.path",
                      "expected a folder, got an empty string");
  expect_single_issue("plugin_paths: [a, '']\n", 1, 19, "plugin_paths[1]", "expected a folder, got an empty string");
}

TEST(ValidationErrors, OptionsMustBeAMap) {
  expect_single_issue(kProvider + "models:\n  m: { provider: p, options: [a] }\n", 3, 30,
                      "models.m.options", "expected a map of provider options, got a list");
}

TEST(ValidationErrors, KeyGivenTwiceInOneMap) {
  expect_single_issue(kProvider + "models:\n  m:\n    provider: p\n    context: 5\n    context: 6\n", 6, 5,
                      "models.m.context", "'context' is given twice in this map; first at test.yaml:5:5");
  expect_single_issue(kProvider + "models:\n  m: { provider: p }\n  m: { provider: p }\n", 4, 3, "models.m",
                      "'m' is given twice in this map; first at test.yaml:3:3");
}

TEST(ValidationErrors, KeysMustBeNames) {
  expect_single_issue("providers:\n  [a, b]: { plugin: mock }\n", 2, 3, "providers",
                      "expected a name as key, got a list");
}

TEST(ValidationErrors, EveryProblemIsReportedInOneThrow) {
  const std::string yaml = R"(providers:
  cpu: { plugin: local }
  broken: { threads: 4 }
models:
  a: { provider: gpu, context: -1 }
  b:
    provider: cpu
    source: nowhere
    defaults: { temperature: -2, top_p: 7 }
    colour: red
default: c
extra: 1
)";
  try {
    Catalog::parse(yaml, "many.yaml");
    FAIL() << "expected a CatalogError";
  } catch (const CatalogError& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    std::vector<std::string> lines;
    for (const CatalogIssue& issue : error.issues()) lines.push_back(issue.to_string());
    const std::vector<std::string> expected = {
        "many.yaml:3:3: providers.broken.plugin: missing 'plugin': the plugin that makes this "
        "provider (local, remote, mock, ...)",
        "many.yaml:5:32: models.a.context: expected a positive integer, got '-1'",
        "many.yaml:8:13: models.b.source: expected \"hf:org/repo\" or \"hf:org/repo@revision\", got 'nowhere'",
        "many.yaml:9:30: models.b.defaults.temperature: expected a number >= 0, got '-2'",
        "many.yaml:9:41: models.b.defaults.top_p: expected a number in (0, 1], got '7'",
        "many.yaml:10:5: models.b.colour: unknown key 'colour'",
        "many.yaml:12:1: extra: unknown key 'extra'",
        "many.yaml:5:18: models.a.provider: unknown provider 'gpu'; did you mean 'cpu'?",
        "many.yaml:11:10: default: unknown model 'c'; did you mean 'a'?",
    };
    EXPECT_EQ(lines, expected);
    // what() is the same list, one issue per line.
    std::string joined;
    for (const std::string& line : expected) joined += (joined.empty() ? "" : "\n") + line;
    EXPECT_EQ(std::string(error.what()), joined);
  }
}

TEST(ValidationErrors, MissingCatalogFileIsNotFound) {
  const std::filesystem::path missing =
      std::filesystem::temp_directory_path() / "switchboard-no-such-dir" / "catalog.yaml";
  try {
    Catalog::load(missing);
    FAIL() << "expected Error(not_found)";
  } catch (const CatalogError&) {
    FAIL() << "a missing file is not a catalog problem";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_NE(std::string(error.what()).find(missing.string()), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace switchboard
