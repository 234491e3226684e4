// `include:`: other catalog files merged into this one.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::ScratchDir;
namespace fs = std::filesystem;

std::vector<CatalogIssue> load_issues(const fs::path& file) {
  try {
    Catalog::load(file);
  } catch (const CatalogError& error) {
    return error.issues();
  }
  ADD_FAILURE() << "expected a CatalogError loading " << file;
  return {};
}

TEST(Includes, IncludedFilesMergeWithPathsRelativeToThemselves) {
  ScratchDir dir;
  dir.write("shared/providers.yaml", R"(plugin_paths: [plugins]
providers:
  cpu: { plugin: local, backend: cpu }
)");
  dir.write("shared/more/models.yaml", R"(models:
  tiny: { provider: cpu, path: weights/tiny, aliases: [t] }
)");
  const fs::path top = dir.write("conf/catalog.yaml", R"(include: [../shared/providers.yaml, ../shared/more/models.yaml]
plugin_paths: [local-plugins]
models:
  mine: { provider: cpu, path: mine }
default: t
)");
  const Catalog catalog = Catalog::load(top);
  EXPECT_EQ(catalog.file(), top);
  EXPECT_EQ(catalog.plugin_paths(),
            (std::vector<fs::path>{dir.path() / "shared/plugins", dir.path() / "conf/local-plugins"}));
  EXPECT_EQ(catalog.providers().at("cpu").base_dir, dir.path() / "shared");
  EXPECT_EQ(catalog.model("tiny").path, dir.path() / "shared/more/weights/tiny");
  EXPECT_EQ(catalog.model("tiny").where.file, dir.path() / "shared/more/models.yaml");
  EXPECT_EQ(catalog.model("tiny").where.line, 2);
  EXPECT_EQ(catalog.model("mine").path, dir.path() / "conf/mine");
  EXPECT_EQ(catalog.default_model(), "tiny");
}

TEST(Includes, SingleIncludeMayBeAString) {
  ScratchDir dir;
  dir.write("base.yaml", "providers: { p: { plugin: mock } }\n");
  const fs::path top = dir.write("top.yaml", "include: base.yaml\nmodels: { m: { provider: p } }\n");
  const Catalog catalog = Catalog::load(top);
  EXPECT_EQ(catalog.model().provider, "p");
}

TEST(Includes, IncludingFileSetsTheDefaultOverItsIncludes) {
  ScratchDir dir;
  dir.write("base.yaml", R"(providers: { p: { plugin: mock } }
models: { a: { provider: p }, b: { provider: p } }
default: a
)");
  const fs::path inherits = dir.write("inherits.yaml", "include: base.yaml\n");
  EXPECT_EQ(Catalog::load(inherits).default_model(), "a");
  const fs::path overrides = dir.write("overrides.yaml", "include: base.yaml\ndefault: b\n");
  EXPECT_EQ(Catalog::load(overrides).default_model(), "b");
}

TEST(Includes, IncludesThatDisagreeOnTheDefaultAreAnIssue) {
  ScratchDir dir;
  dir.write("one.yaml", "providers: { p: { plugin: mock } }\nmodels: { a: { provider: p } }\ndefault: a\n");
  dir.write("two.yaml", "models: { b: { provider: p } }\ndefault: b\n");
  const fs::path top = dir.write("top.yaml", "include: [one.yaml, two.yaml]\n");
  const auto issues = load_issues(top);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].where.file, top);
  EXPECT_EQ(issues[0].where.line, 1);
  EXPECT_EQ(issues[0].field, "default");
  EXPECT_NE(issues[0].message.find((dir.path() / "one.yaml").string() + ":3:10"), std::string::npos)
      << issues[0].message;
  EXPECT_NE(issues[0].message.find((dir.path() / "two.yaml").string() + ":2:10"), std::string::npos)
      << issues[0].message;
}

TEST(Includes, NameDefinedInTwoFilesNamesBothPlaces) {
  ScratchDir dir;
  dir.write("base.yaml", "providers:\n  p: { plugin: mock }\nmodels:\n  m: { provider: p }\n");
  const fs::path top = dir.write("top.yaml", R"(include: base.yaml
providers:
  p: { plugin: local }
models:
  m: { provider: p }
)");
  const auto issues = load_issues(top);
  ASSERT_EQ(issues.size(), 2u);
  const std::string base = (dir.path() / "base.yaml").string();
  EXPECT_EQ(issues[0].to_string(), top.string() + ":3:3: providers.p: provider 'p' is defined twice: at " +
                                       base + ":2:3 and at " + top.string() + ":3:3");
  EXPECT_EQ(issues[1].to_string(), top.string() + ":5:3: models.m: model 'm' is defined twice: at " +
                                       base + ":4:3 and at " + top.string() + ":5:3");
}

TEST(Includes, CycleIsAnIssue) {
  ScratchDir dir;
  dir.write("a.yaml", "include: b.yaml\nproviders: { p: { plugin: mock } }\n");
  dir.write("b.yaml", "models: { m: { provider: p } }\ninclude: [./sub/../a.yaml]\n");
  const auto issues = load_issues(dir.path() / "a.yaml");
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].where.file, dir.path() / "b.yaml");
  EXPECT_EQ(issues[0].where.line, 2);
  EXPECT_EQ(issues[0].where.column, 11);
  EXPECT_EQ(issues[0].field, "include");
  const std::string a = (dir.path() / "a.yaml").string();
  EXPECT_EQ(issues[0].message,
            "include cycle: " + a + " -> " + (dir.path() / "b.yaml").string() + " -> " + a);
}

TEST(Includes, SelfIncludeIsACycle) {
  ScratchDir dir;
  const fs::path self = dir.write("self.yaml", "include: self.yaml\n");
  const auto issues = load_issues(self);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_NE(issues[0].message.find("include cycle"), std::string::npos);
}

TEST(Includes, FileIncludedTwiceWithoutACycleIsReadOnce) {
  ScratchDir dir;
  dir.write("common.yaml", "providers: { p: { plugin: mock } }\n");
  dir.write("left.yaml", "include: common.yaml\nmodels: { l: { provider: p } }\n");
  dir.write("right.yaml", "include: common.yaml\nmodels: { r: { provider: p } }\n");
  const fs::path top = dir.write("top.yaml", "include: [left.yaml, right.yaml]\n");
  const Catalog catalog = Catalog::load(top);
  EXPECT_EQ(catalog.providers().size(), 1u);
  EXPECT_EQ(catalog.models().size(), 2u);
}

TEST(Includes, MissingIncludeIsAnIssueAtTheIncludeLine) {
  ScratchDir dir;
  const fs::path top = dir.write("top.yaml", "providers: {}\ninclude:\n  - nowhere/missing.yaml\n");
  const auto issues = load_issues(top);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].to_string(), top.string() + ":3:5: include: included file not found: " +
                                       (dir.path() / "nowhere/missing.yaml").string());
}

TEST(Includes, ProblemsInsideAnIncludedFileNameThatFile) {
  ScratchDir dir;
  dir.write("bad.yaml", "models:\n  m: { provider: p, contxt: 5 }\n");
  dir.write("broken.yaml", "providers: [\n");
  const fs::path top = dir.write("top.yaml", "include: [bad.yaml, broken.yaml]\nproviders: { p: { plugin: mock } }\n");
  const auto issues = load_issues(top);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].where.file, dir.path() / "bad.yaml");
  EXPECT_EQ(issues[0].where.line, 2);
  EXPECT_EQ(issues[0].field, "models.m.contxt");
  EXPECT_EQ(issues[1].where.file, dir.path() / "broken.yaml");
  EXPECT_NE(issues[1].message.find("YAML syntax error"), std::string::npos);
}

TEST(Includes, ParsedTextIncludesRelativeToItsNamedFile) {
  ScratchDir dir;
  dir.write("lib/base.yaml", "providers: { p: { plugin: mock } }\n");
  const Catalog catalog =
      Catalog::parse("include: lib/base.yaml\nmodels: { m: { provider: p } }\n", dir.path() / "virtual.yaml");
  EXPECT_EQ(catalog.providers().at("p").base_dir, dir.path() / "lib");
}

}  // namespace
}  // namespace switchboard
