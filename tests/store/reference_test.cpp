// "hf:org/repo@revision" references, settings from the environment, and the catalog's hub section.

#include <gtest/gtest.h>

#include <cstdlib>

#include <switchboard/catalog.hpp>
#include <switchboard/model_store.hpp>

namespace switchboard {
namespace {

TEST(HubReference, ParsesRepoAndRevision) {
  const auto plain = HubReference::parse("hf:mlx-community/Qwen2.5-3B-Instruct-4bit");
  EXPECT_EQ(plain.repo, "mlx-community/Qwen2.5-3B-Instruct-4bit");
  EXPECT_EQ(plain.revision, "");
  EXPECT_EQ(plain.revision_or_main(), "main");
  const auto pinned = HubReference::parse("hf:org/name@refs/pr/1");
  EXPECT_EQ(pinned.revision, "refs/pr/1");
  EXPECT_EQ(pinned.to_string(), "hf:org/name@refs/pr/1");
}

TEST(HubReference, RefusesWhatIsNotOne) {
  for (const char* text : {"org/name", "hf:name", "hf:org/", "hf:/name", "hf:org/na me", "hf:org/name@", "hf:../x",
                           "hf:org/..", "hf:org/name@../../x", "hf:org/name@/abs", "hf:a/b/c"}) {
    try {
      HubReference::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.category(), ErrorCategory::config) << text;
      EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    }
  }
}

struct Environment {
  Environment() {
    for (const char* name : {"HF_ENDPOINT", "HF_TOKEN", "HF_HUB_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "XDG_CACHE_HOME"}) {
      if (const char* value = std::getenv(name)) saved.emplace_back(name, value);
      ::unsetenv(name);
    }
  }
  ~Environment() {
    for (const char* name : {"HF_ENDPOINT", "HF_TOKEN", "HF_HUB_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "XDG_CACHE_HOME"}) ::unsetenv(name);
    for (const auto& [name, value] : saved) ::setenv(name.c_str(), value.c_str(), 1);
  }
  std::vector<std::pair<std::string, std::string>> saved;
};

TEST(HubSettings, FollowHuggingFaceHubsEnvironment) {
  Environment environment;
  ::setenv("HOME", "/home/someone", 1);
  auto defaults = HubSettings::resolve();
  EXPECT_EQ(defaults.endpoint, "https://huggingface.co");
  EXPECT_EQ(defaults.cache, "/home/someone/.cache/huggingface/hub");
  EXPECT_FALSE(defaults.offline.value());
  EXPECT_EQ(defaults.token, "");

  ::setenv("HF_HOME", "/data/hf", 1);
  EXPECT_EQ(HubSettings::resolve().cache, "/data/hf/hub");
  ::setenv("HF_HUB_CACHE", "/fast/cache", 1);
  ::setenv("HF_ENDPOINT", "https://mirror.example/", 1);
  ::setenv("HF_TOKEN", "hf_abc", 1);
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  const auto set = HubSettings::resolve();
  EXPECT_EQ(set.cache, "/fast/cache");
  EXPECT_EQ(set.endpoint, "https://mirror.example");
  EXPECT_EQ(set.token, "hf_abc");
  EXPECT_TRUE(set.offline.value());
}

TEST(HubSettings, TheCatalogWinsOverTheEnvironment) {
  Environment environment;
  ::setenv("HF_ENDPOINT", "https://env.example", 1);
  ::setenv("HF_TOKEN", "from-env", 1);
  const Catalog catalog = Catalog::parse(R"(
hub:
  endpoint: https://catalog.example
  token: from-catalog
  cache: models/cache
  max_parallel_downloads: 2
  patterns: ["*.json", "*.safetensors"]
providers:
  cpu: { plugin: local }
models:
  qwen: { provider: cpu, source: "hf:org/qwen", keep_alive: 5m }
)", "/catalogs/test.yaml");
  const auto settings = HubSettings::resolve(catalog.hub());
  EXPECT_EQ(settings.endpoint, "https://catalog.example");
  EXPECT_EQ(settings.token, "from-catalog");
  EXPECT_EQ(settings.cache, "/catalogs/models/cache");
  EXPECT_EQ(settings.max_parallel_downloads, 2);
  EXPECT_EQ(settings.patterns, (std::vector<std::string>{"*.json", "*.safetensors"}));
  // Each model carries the section, for the provider that downloads it.
  EXPECT_EQ(catalog.model("qwen").hub.endpoint, "https://catalog.example");
  EXPECT_EQ(catalog.model("qwen").keep_alive, std::chrono::minutes(5));
}

TEST(HubSettings, CatalogMistakesAreNamedByPlace) {
  try {
    Catalog::parse("hub:\n  endpoint: ftp://x\n  max_parallel_downloads: 0\n  cahce: /tmp\n"
                   "providers: { cpu: { plugin: local } }\n"
                   "models: { m: { provider: cpu, path: /m, keep_alive: soon } }\n",
                   "bad.yaml");
    FAIL() << "accepted";
  } catch (const CatalogError& error) {
    const std::string text = error.what();
    EXPECT_NE(text.find("bad.yaml:2:13: hub.endpoint: expected a URL"), std::string::npos) << text;
    EXPECT_NE(text.find("bad.yaml:3:27: hub.max_parallel_downloads: expected an integer from 1 to 64"), std::string::npos) << text;
    EXPECT_NE(text.find("bad.yaml:4:3: hub.cahce: unknown key 'cahce'; did you mean 'cache'?"), std::string::npos) << text;
    EXPECT_NE(text.find("bad.yaml:6:53: models.m.keep_alive: expected a duration"), std::string::npos) << text;
  }
}

TEST(HubSettings, TheTokenNeverAppearsInCatalogErrors) {
  try {
    Catalog::parse("hub: { token: [hf_secret_value] }\n", "t.yaml");
    FAIL() << "accepted";
  } catch (const CatalogError& error) {
    EXPECT_EQ(std::string(error.what()).find("hf_secret_value"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace switchboard
