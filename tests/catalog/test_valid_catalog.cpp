// Catalogs that are right: what each key turns into.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using testing::ScopedEnv;
namespace fs = std::filesystem;

// The catalog sketched in the architecture notes, with every model key used once. The api_key
// is quoted: inside { } braces an unquoted ${...} would end the flow map early.
const char* const kRealistic = R"(plugin_paths: [../build/providers, /opt/switchboard/plugins]
providers:
  cpu:    { plugin: local,  backend: cpu, threads: auto }
  gpu:    { plugin: local,  backend: vulkan, device: 0, memory_limit: 6GiB }
  openai: { plugin: remote, api: openai, base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}" }
  test:   { plugin: mock }
models:
  shakespeare: { provider: cpu, path: models/tiny-shakespeare, description: A tiny demo model }
  qwen2.5-3b:  { provider: gpu, source: "hf:mlx-community/Qwen2.5-3B-Instruct-4bit", context: 8192,
                 defaults: { temperature: 0.7, max_tokens: 512 }, aliases: [qwen, qwen-small] }
  gpt-4o-mini: { provider: openai, remote_name: gpt-4o-mini, stop: ["\n\nUser:"] }
  echo:
    provider: test
    options: { script: [hello, world] }
    defaults:
      max_tokens: 16
      temperature: 0
      top_p: 1
      top_k: 40
      min_p: 0.05
      repetition_penalty: 1.1
      presence_penalty: -0.5
      frequency_penalty: 2
      seed: 18446744073709551615
      stop: [END, STOP]
default: shakespeare
)";

TEST(ValidCatalog, RealisticCatalogReadsEveryKey) {
  ScopedEnv key("OPENAI_API_KEY", "sk-test");
  const Catalog catalog = Catalog::parse(kRealistic, "/srv/switchboard/catalog.yaml");

  EXPECT_EQ(catalog.file(), fs::path("/srv/switchboard/catalog.yaml"));
  EXPECT_EQ(catalog.plugin_paths(),
            (std::vector<fs::path>{"/srv/build/providers", "/opt/switchboard/plugins"}));

  ASSERT_EQ(catalog.providers().size(), 4u);
  const ProviderEntry& gpu = catalog.providers().at("gpu");
  EXPECT_EQ(gpu.name, "gpu");
  EXPECT_EQ(gpu.plugin, "local");
  EXPECT_EQ(gpu.options, (nlohmann::json{{"backend", "vulkan"}, {"device", 0}, {"memory_limit", "6GiB"}}));
  EXPECT_EQ(gpu.base_dir, fs::path("/srv/switchboard"));
  EXPECT_EQ(gpu.where.line, 4);
  EXPECT_EQ(gpu.where.column, 3);
  EXPECT_EQ(catalog.providers().at("openai").options.at("api_key"), "sk-test");
  EXPECT_EQ(catalog.providers().at("test").options, nlohmann::json::object());

  ASSERT_EQ(catalog.models().size(), 4u);
  const ModelEntry& shakespeare = catalog.model("shakespeare");
  EXPECT_EQ(shakespeare.provider, "cpu");
  EXPECT_EQ(shakespeare.path, fs::path("/srv/switchboard/models/tiny-shakespeare"));
  EXPECT_EQ(shakespeare.description, "A tiny demo model");
  EXPECT_FALSE(shakespeare.source.has_value());
  EXPECT_EQ(shakespeare.where.line, 8);

  const ModelEntry& qwen = catalog.model("qwen2.5-3b");
  EXPECT_EQ(qwen.source, "hf:mlx-community/Qwen2.5-3B-Instruct-4bit");
  EXPECT_EQ(qwen.context, 8192);
  EXPECT_EQ(qwen.defaults.temperature, 0.7);
  EXPECT_EQ(qwen.defaults.max_tokens, 512);
  EXPECT_FALSE(qwen.defaults.top_p.has_value());
  EXPECT_EQ(qwen.aliases, (std::vector<std::string>{"qwen", "qwen-small"}));

  const ModelEntry& gpt = catalog.model("gpt-4o-mini");
  EXPECT_EQ(gpt.remote_name, "gpt-4o-mini");
  EXPECT_EQ(gpt.defaults.stop, std::vector<std::string>{"\n\nUser:"});

  const ModelEntry& echo = catalog.model("echo");
  EXPECT_EQ(echo.options, (nlohmann::json{{"script", {"hello", "world"}}}));
  const GenerationOptions& d = echo.defaults;
  EXPECT_EQ(d.max_tokens, 16);
  EXPECT_EQ(d.temperature, 0.0);
  EXPECT_EQ(d.top_p, 1.0);
  EXPECT_EQ(d.top_k, 40);
  EXPECT_EQ(d.min_p, 0.05);
  EXPECT_EQ(d.repetition_penalty, 1.1);
  EXPECT_EQ(d.presence_penalty, -0.5);
  EXPECT_EQ(d.frequency_penalty, 2.0);
  EXPECT_EQ(d.seed, 18446744073709551615ull);
  EXPECT_EQ(d.stop, (std::vector<std::string>{"END", "STOP"}));

  EXPECT_EQ(catalog.default_model(), "shakespeare");
  EXPECT_EQ(&catalog.model(), &shakespeare);
}

TEST(ValidCatalog, RelativePathsStartAtTheCatalogsFolder) {
  const Catalog catalog = Catalog::parse(R"(plugin_paths: [plugins, ./a/../b, /abs/dir]
providers: { p: { plugin: mock } }
models:
  here: { provider: p, path: . }
  up: { provider: p, path: ../shared/models/tiny }
  absolute: { provider: p, path: /models/abs }
)", "/etc/sb/conf/catalog.yaml");
  EXPECT_EQ(catalog.plugin_paths(),
            (std::vector<fs::path>{"/etc/sb/conf/plugins", "/etc/sb/conf/b", "/abs/dir"}));
  EXPECT_EQ(catalog.model("here").path, fs::path("/etc/sb/conf"));
  EXPECT_EQ(catalog.model("up").path, fs::path("/etc/sb/shared/models/tiny"));
  EXPECT_EQ(catalog.model("absolute").path, fs::path("/models/abs"));
  EXPECT_EQ(catalog.model("up").base_dir, fs::path("/etc/sb/conf"));
}

TEST(ValidCatalog, RelativeCatalogFileIsMadeAbsolute) {
  const Catalog catalog =
      Catalog::parse("plugin_paths: plugins\n", "conf/catalog.yaml");  // one path without a list
  EXPECT_EQ(catalog.file(), (fs::current_path() / "conf/catalog.yaml").lexically_normal());
  EXPECT_EQ(catalog.plugin_paths(),
            std::vector<fs::path>{(fs::current_path() / "conf/plugins").lexically_normal()});
}

TEST(ValidCatalog, EmptyCatalogHasNothingAndNoDefault) {
  const Catalog catalog = Catalog::parse("", "empty.yaml");
  EXPECT_TRUE(catalog.models().empty());
  EXPECT_TRUE(catalog.providers().empty());
  EXPECT_TRUE(catalog.default_model().empty());
  try {
    catalog.model();
    FAIL() << "expected Error(not_found)";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_NE(std::string(error.what()).find("defines no models"), std::string::npos) << error.what();
  }
}

TEST(ValidCatalog, HubSourceMayNameARevision) {
  const Catalog catalog = Catalog::parse(R"(providers: { p: { plugin: local } }
models:
  a: { provider: p, source: "hf:org/repo@main" }
  b: { provider: p, source: "hf:Org-1/my_model.v2@refs/pr/3" }
  c: { provider: p, source: "hf:org/repo@0123abcd" }
)", "test.yaml");
  EXPECT_EQ(catalog.model("a").source, "hf:org/repo@main");
  EXPECT_EQ(catalog.model("b").source, "hf:Org-1/my_model.v2@refs/pr/3");
  EXPECT_EQ(catalog.model("c").source, "hf:org/repo@0123abcd");
}

TEST(ValidCatalog, StopBesideDefaultsJoinsDefaultsStop) {
  const Catalog catalog = Catalog::parse(R"(providers: { p: { plugin: mock } }
models:
  m: { provider: p, stop: [B, A], defaults: { stop: A } }
)", "test.yaml");
  EXPECT_EQ(catalog.model("m").defaults.stop, (std::vector<std::string>{"A", "B"}));
}

}  // namespace
}  // namespace switchboard
