#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/runtime.hpp>

namespace {

using namespace switchboard;
using ::testing::HasSubstr;

const std::string kPluginFolders = std::string("plugin_paths: [\"") + SWITCHBOARD_TEST_PLUGIN_DIR + "/good\", \"" +
                                   SWITCHBOARD_BUILD_DIR + "/lib/switchboard/plugins\"]\n";

std::string catalog_text(const std::string& assistant_provider) {
  return kPluginFolders + R"(
providers:
  scripted: { plugin: mock }
  parrot:   { plugin: echo, prefix: "parrot says " }
  broken:   { plugin: echo, refuse_to_start: true }
models:
  assistant:
    provider: )" + assistant_provider + R"(
    options:
      default_reply: "scripted answer"
  casualty: { provider: broken }
)";
}

std::string reply(Runtime& runtime, const std::string& model, const std::string& prompt) {
  Request request;
  request.messages = {Message::user(prompt)};
  return runtime.model(model)->generate(request).text;
}

TEST(Runtime, SwappingAProviderIsOneLineOfYaml) {
  Runtime with_mock(Catalog::parse(catalog_text("scripted"), "/tmp/catalog.yaml"));
  Runtime with_echo(Catalog::parse(catalog_text("parrot"), "/tmp/catalog.yaml"));
  EXPECT_EQ(reply(with_mock, "assistant", "hello"), "scripted answer");
  EXPECT_EQ(reply(with_echo, "assistant", "hello"), "parrot says hello");
}

TEST(Runtime, AProviderThatFailsToStartDoesNotStopTheOthers) {
  Runtime runtime(Catalog::parse(catalog_text("scripted"), "/tmp/catalog.yaml"));
  try {
    runtime.model("casualty");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::unavailable);
    EXPECT_THAT(error.what(), HasSubstr("provider 'broken' (plugin 'echo'"));
    EXPECT_THAT(error.what(), HasSubstr("told to refuse"));
  }
  EXPECT_EQ(reply(runtime, "assistant", "hi"), "scripted answer");
  // The failure is remembered and reported again, not retried into a different state.
  EXPECT_THROW(runtime.model("casualty"), Error);

  const auto statuses = runtime.providers();
  ASSERT_EQ(statuses.size(), 3u);
  for (const auto& status : statuses) {
    if (status.name == "broken") {
      EXPECT_FALSE(status.started);
      ASSERT_TRUE(status.error.has_value());
      EXPECT_EQ(status.error->category(), ErrorCategory::unavailable);
    } else {
      EXPECT_TRUE(status.started) << status.name;
      ASSERT_TRUE(status.info.has_value());
      EXPECT_EQ(status.info->plugin, status.plugin);
    }
  }
}

TEST(Runtime, OpensEachModelOnceAndSharesIt) {
  Runtime runtime(Catalog::parse(catalog_text("scripted"), "/tmp/catalog.yaml"));
  EXPECT_EQ(runtime.model("assistant"), runtime.model("assistant"));
}

TEST(Runtime, UnknownModelIsNotFound) {
  Runtime runtime(Catalog::parse(catalog_text("scripted"), "/tmp/catalog.yaml"));
  try {
    runtime.model("asistant");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_THAT(error.what(), HasSubstr("assistant"));
  }
}

TEST(Runtime, MissingPluginIsReportedWithThePluginName) {
  const std::string text = kPluginFolders + R"(
providers:
  gpu: { plugin: no-such-plugin }
models:
  big: { provider: gpu }
)";
  Runtime runtime(Catalog::parse(text, "/tmp/catalog.yaml"));
  try {
    runtime.model("big");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_THAT(error.what(), HasSubstr("no plugin named 'no-such-plugin'"));
  }
}

}  // namespace
