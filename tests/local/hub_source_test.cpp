// `source: hf:...` models in the local provider: downloaded on first use from a loopback hub
// (load state downloading → loading → ready), never loaded half-downloaded; and the provider's
// memory_budget admitting, unloading idle models for, waiting on, or refusing a load.

#include <cstdlib>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/runtime.hpp>

#include "../store/hub_server.hpp"
#include "../store/store_test_support.hpp"
#include "fixtures.hpp"

namespace {

using namespace switchboard;
using ::testing::HasSubstr;
namespace fs = std::filesystem;
using store_test::HubServer;
using store_test::TemporaryFolder;

constexpr const char* kShard = "model-00001-of-00002.safetensors";

std::string catalog_head(const std::string& provider_options = "") {
  return std::string("plugin_paths: [\"") + SWITCHBOARD_BUILD_DIR + "/lib/switchboard/plugins\"]\n"
         "providers:\n  cpu: { plugin: local, backend: cpu, threads: 1" + provider_options + " }\n";
}

Request greedy(int max_tokens) {
  Request request;
  request.messages = {Message::user("Hello there")};
  request.options.temperature = 0;
  request.options.max_tokens = max_tokens;
  return request;
}

class HubSource : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv("HF_HUB_OFFLINE"); }  // the catalog names the hub; the developer's setting must not

  Runtime runtime() {
    const std::string yaml = "hub: { endpoint: \"" + hub.endpoint() + "\", cache: \"" + (cache.path() / "hub").string() + "\" }\n" +
                             catalog_head() + "models:\n"
                             "  hubbed: { provider: cpu, source: \"hf:org/qwen2\", context: 64 }\n"
                             "  local: { provider: cpu, path: \"" + fixtures::model_fixture("qwen2").string() + "\", context: 64 }\n";
    return Runtime(Catalog::parse(yaml, "/tmp/hub-source-test.yaml"));
  }
  HubServer hub;
  TemporaryFolder cache;
};

TEST_F(HubSource, DownloadsOnFirstUseThenLoadsAndAnswersLikeTheFolder) {
  hub.add_repo("org/qwen2", fixtures::model_fixture("qwen2"));
  hub.edit([](auto&, store_test::Faults& faults) { faults.held.insert(kShard); });
  Runtime catalog_runtime = runtime();
  auto model = catalog_runtime.model("hubbed");
  EXPECT_EQ(model->state().phase, LoadState::Phase::pending);

  std::thread preparing([&] { model->prepare(); });
  LoadState downloading;
  do {
    downloading = model->state();
  } while (downloading.phase == LoadState::Phase::pending || downloading.phase == LoadState::Phase::loading);
  hub.release(kShard);
  preparing.join();
  EXPECT_EQ(downloading.phase, LoadState::Phase::downloading);
  EXPECT_GE(downloading.progress, 0.0);
  EXPECT_LT(downloading.progress, 1.0) << "a shard is held back";
  ASSERT_EQ(model->state().phase, LoadState::Phase::ready) << (model->state().error ? model->state().error->what() : "");

  const Completion from_hub = model->generate(greedy(8));
  const Completion from_folder = catalog_runtime.model("local")->generate(greedy(8));
  ASSERT_NE(from_hub.finish_reason, FinishReason::error) << from_hub.error->what();
  EXPECT_EQ(from_hub.text, from_folder.text);
  EXPECT_FALSE(from_hub.text.empty());
}

TEST_F(HubSource, AModelThatDoesNotVerifyFailsAndIsNotLoaded) {
  hub.add_repo("org/qwen2", fixtures::model_fixture("qwen2"));
  std::string corrupt = store_test::read_file(fixtures::model_fixture("qwen2") / kShard);
  corrupt[1000] ^= 0x20;
  hub.edit([&](auto&, store_test::Faults& faults) { faults.served_instead[kShard] = corrupt; });
  Runtime catalog_runtime = runtime();
  auto model = catalog_runtime.model("hubbed");
  const LoadState state = model->prepare();
  ASSERT_EQ(state.phase, LoadState::Phase::failed);
  EXPECT_EQ(state.error->category(), ErrorCategory::model_format);
  EXPECT_THAT(state.error->what(), HasSubstr("SHA-256 mismatch"));
  const Completion reply = model->generate(greedy(4));
  EXPECT_EQ(reply.finish_reason, FinishReason::error);
}

TEST_F(HubSource, OfflineWithoutTheModelSaysSo) {
  hub.add_repo("org/qwen2", fixtures::model_fixture("qwen2"));
  ::setenv("HF_HUB_OFFLINE", "1", 1);
  Runtime catalog_runtime = runtime();
  const LoadState state = catalog_runtime.model("hubbed")->prepare();
  ::unsetenv("HF_HUB_OFFLINE");
  ASSERT_EQ(state.phase, LoadState::Phase::failed);
  EXPECT_EQ(state.error->category(), ErrorCategory::not_found);
  EXPECT_THAT(state.error->what(), HasSubstr("HF_HUB_OFFLINE"));
  EXPECT_TRUE(hub.requests().empty());
}

// llama needs about 1.6 MB (1.3 MB of weights), qwen2 about 1.1 MB, with context 64 and
// 16-token prefill chunks: a 2 MB budget (2000000 bytes) holds either but not both.
std::string two_models(const std::string& keep_alive) {
  std::string text = "models:\n";
  for (const char* name : {"llama", "qwen2"}) {
    text += std::string("  ") + name + ": { provider: cpu, path: \"" + fixtures::model_fixture(name).string() +
            "\", context: 64, keep_alive: " + keep_alive + ", options: { prefill_chunk: 16 } }\n";
  }
  return text;
}

TEST(MemoryBudget, AnIdleModelIsUnloadedToMakeRoom) {
  Runtime runtime(Catalog::parse(catalog_head(", memory_budget: 2MB") + two_models("0s"), "/tmp/budget.yaml"));
  auto llama = runtime.model("llama");
  auto qwen2 = runtime.model("qwen2");
  ASSERT_EQ(llama->prepare().phase, LoadState::Phase::ready);
  ASSERT_EQ(qwen2->prepare().phase, LoadState::Phase::ready) << qwen2->state().error->what();
  EXPECT_EQ(llama->state().phase, LoadState::Phase::pending) << "unloaded for qwen2";
  const Completion reply = llama->generate(greedy(4));
  EXPECT_NE(reply.finish_reason, FinishReason::error) << reply.error->what();
  EXPECT_EQ(llama->state().phase, LoadState::Phase::ready);
  EXPECT_EQ(qwen2->state().phase, LoadState::Phase::pending);
}

TEST(MemoryBudget, ALoadWaitsWhileTheOtherModelIsKeptAlive) {
  Runtime runtime(Catalog::parse(catalog_head(", memory_budget: 2MB") + two_models("1h"), "/tmp/budget.yaml"));
  auto llama = runtime.model("llama");
  ASSERT_EQ(llama->prepare().phase, LoadState::Phase::ready);
  std::stop_source stop;
  LoadState waited;
  std::thread loading([&] { waited = runtime.model("qwen2")->prepare(stop.get_token()); });
  while (runtime.model("qwen2")->state().phase == LoadState::Phase::pending) std::this_thread::yield();
  stop.request_stop();
  loading.join();
  ASSERT_EQ(waited.phase, LoadState::Phase::failed);
  EXPECT_THAT(waited.error->what(), HasSubstr("waiting for memory"));
  EXPECT_EQ(llama->state().phase, LoadState::Phase::ready) << "kept alive";
}

TEST(MemoryBudget, AModelLargerThanTheBudgetIsRefusedWithTheFigures) {
  Runtime runtime(Catalog::parse(catalog_head(", memory_budget: 1MiB") + two_models("0s"), "/tmp/budget.yaml"));
  const LoadState state = runtime.model("llama")->prepare();
  ASSERT_EQ(state.phase, LoadState::Phase::failed);
  EXPECT_EQ(state.error->category(), ErrorCategory::unavailable);
  EXPECT_THAT(state.error->what(), HasSubstr("model 'llama' needs"));
  EXPECT_THAT(state.error->what(), HasSubstr("memory_budget is 1.0 MiB"));
  EXPECT_THAT(state.error->what(), HasSubstr("free"));
}

}  // namespace
