// Finding models by name, alias and default.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::expect_single_issue;

std::string not_found_message(const Catalog& catalog, const std::string& name) {
  try {
    catalog.model(name);
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    return error.what();
  }
  ADD_FAILURE() << "expected Error(not_found) for '" << name << "'";
  return {};
}

const char* const kThreeModels = R"(providers: { p: { plugin: mock } }
models:
  llama-3.2-1b: { provider: p, aliases: [llama, small] }
  qwen2.5-7b: { provider: p, aliases: qwen }
  phi-3: { provider: p }
)";

TEST(ModelLookup, AliasesResolveToTheirModel) {
  const Catalog catalog = Catalog::parse(kThreeModels, "test.yaml");
  EXPECT_EQ(catalog.model("llama").name, "llama-3.2-1b");
  EXPECT_EQ(catalog.model("small").name, "llama-3.2-1b");
  EXPECT_EQ(catalog.model("qwen").name, "qwen2.5-7b");
  EXPECT_EQ(catalog.model("phi-3").name, "phi-3");
  EXPECT_EQ(catalog.model("qwen").aliases, std::vector<std::string>{"qwen"});
}

TEST(ModelLookup, UnknownNameSuggestsTheNearestNameOrAlias) {
  const Catalog catalog = Catalog::parse(kThreeModels, "test.yaml");
  const std::string near_name = not_found_message(catalog, "phi-4");
  EXPECT_NE(near_name.find("unknown model 'phi-4'"), std::string::npos) << near_name;
  EXPECT_NE(near_name.find("did you mean 'phi-3'?"), std::string::npos) << near_name;
  const std::string near_alias = not_found_message(catalog, "lama");
  EXPECT_NE(near_alias.find("did you mean 'llama'?"), std::string::npos) << near_alias;
}

TEST(ModelLookup, UnknownFarNameListsWhatExists) {
  const Catalog catalog = Catalog::parse(kThreeModels, "test.yaml");
  const std::string message = not_found_message(catalog, "mistral");
  EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
  EXPECT_NE(message.find("llama-3.2-1b, phi-3, qwen2.5-7b"), std::string::npos) << message;
}

TEST(ModelLookup, NoDefaultWithSeveralModelsThrowsNotFound) {
  const Catalog catalog = Catalog::parse(kThreeModels, "test.yaml");
  EXPECT_TRUE(catalog.default_model().empty());
  const std::string message = not_found_message(catalog, "");
  EXPECT_NE(message.find("sets no default"), std::string::npos) << message;
  EXPECT_NE(message.find("phi-3"), std::string::npos) << message;
}

TEST(ModelLookup, SingleModelIsTheDefault) {
  const Catalog catalog =
      Catalog::parse("providers: { p: { plugin: mock } }\nmodels: { only: { provider: p } }\n", "test.yaml");
  EXPECT_EQ(catalog.default_model(), "only");
  EXPECT_EQ(catalog.model().name, "only");
}

TEST(ModelLookup, DefaultMayNameAnAlias) {
  const Catalog catalog = Catalog::parse(std::string(kThreeModels) + "default: qwen\n", "test.yaml");
  EXPECT_EQ(catalog.default_model(), "qwen2.5-7b");
  EXPECT_EQ(catalog.model().name, "qwen2.5-7b");
}

TEST(ModelLookup, DefaultMustNameAModel) {
  expect_single_issue(std::string(kThreeModels) + "default: phi-33\n", 6, 10, "default",
                      "unknown model 'phi-33'; did you mean 'phi-3'?");
}

TEST(ModelLookup, AliasMustNotClashWithAModelName) {
  expect_single_issue(R"(providers: { p: { plugin: mock } }
models:
  a: { provider: p }
  b: { provider: p, aliases: [x, a] }
)", 4, 34, "models.b.aliases", "alias 'a' clashes with the model of that name at test.yaml:3:3");
}

TEST(ModelLookup, AliasMustNotBeTakenTwice) {
  expect_single_issue(R"(providers: { p: { plugin: mock } }
models:
  a: { provider: p, aliases: [x] }
  b:
    provider: p
    aliases:
      - x
)", 7, 9, "models.b.aliases", "alias 'x' is already an alias of model 'a' at test.yaml:3:31");
}

}  // namespace
}  // namespace switchboard
