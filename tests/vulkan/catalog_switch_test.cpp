// A host moves a model between the CPU and the GPU by changing `backend:` in the catalog: the
// same greedy text either way, on the test fixtures' models, through the public API only.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/runtime.hpp>

#include "../local/fixtures.hpp"
#include "vulkan_test_support.hpp"

namespace {

using namespace switchboard;
using ::testing::HasSubstr;

// One catalog, one model name; only the provider's `backend:` line differs.
Runtime runtime_with_backend(const std::string& fixture, const std::string& backend_line) {
  const std::string text = std::string("plugin_paths: [\"") + SWITCHBOARD_BUILD_DIR + "/lib/switchboard/plugins\"]\n" +
                           "providers:\n  local: { plugin: local, " + backend_line + " }\n" +
                           "models:\n  m: { provider: local, path: \"" + fixtures::model_fixture(fixture).string() +
                           "\", context: 256 }\n";
  return Runtime(Catalog::parse(text, "/tmp/vulkan-switch.yaml"));
}

std::string greedy_text(Runtime& runtime) {
  Request request;
  request.messages = {{Role::user, "Tell me about the sea.", {}, {}, {}}};
  request.options.temperature = 0;
  request.options.max_tokens = 16;
  const Completion completion = runtime.model("m")->generate(request);
  EXPECT_NE(completion.finish_reason, FinishReason::error) << (completion.error ? completion.error->what() : "");
  return completion.text;
}

class CatalogSwitch : public ::testing::TestWithParam<std::string> {};

TEST_P(CatalogSwitch, SameGreedyTextOnCpuAndVulkan) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  auto on_cpu = runtime_with_backend(GetParam(), "backend: cpu, threads: 1");
  auto on_gpu = runtime_with_backend(GetParam(), "backend: vulkan, device: 0");
  const std::string cpu_text = greedy_text(on_cpu);
  const std::string gpu_text = greedy_text(on_gpu);
  EXPECT_FALSE(cpu_text.empty());
  EXPECT_EQ(cpu_text, gpu_text);
  const auto providers = on_gpu.providers();
  ASSERT_EQ(providers.size(), 1u);
  ASSERT_TRUE(providers[0].info.has_value());
  EXPECT_EQ(providers[0].info->details["backend"], "vulkan");
  EXPECT_FALSE(providers[0].info->details["devices"].empty()) << "switchboard providers lists the devices";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CatalogSwitch, ::testing::Values("llama", "qwen2_mlx_4bit", "gemma3_text"));

TEST(CatalogBackend, VulkanMemoryLimitTooSmallRefusesTheModelNamingSizes) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  auto runtime = runtime_with_backend("llama", "backend: vulkan, memory_limit: 300KiB");
  Request request;
  request.prompt = "hello";
  request.options.max_tokens = 2;
  const Completion completion = runtime.model("m")->generate(request);
  ASSERT_EQ(completion.finish_reason, FinishReason::error);
  ASSERT_TRUE(completion.error.has_value());
  EXPECT_THAT(completion.error->what(), HasSubstr("memory_limit is 300.0 KiB"));
}

TEST(CatalogBackend, AutoSaysWhichBackendItChose) {
  auto runtime = runtime_with_backend("llama", "backend: auto");
  const auto providers = runtime.providers();
  ASSERT_EQ(providers.size(), 1u);
  ASSERT_TRUE(providers[0].info.has_value());
  const auto& details = providers[0].info->details;
  ASSERT_TRUE(details.contains("auto")) << details.dump();
  const std::string best_gpu = local::best_vulkan_gpu() >= 0 ? "vulkan" : "cpu";
  EXPECT_EQ(details["backend"], best_gpu);
  EXPECT_FALSE(details["auto"].get<std::string>().empty());
}

// The wrapper `auto` puts around its choice answers as the choice does, prefill chunks included
// (it once answered the interface's default, so a CPU chosen by `auto` prefilled in 256s).
TEST(CatalogBackend, AutoAnswersAsWhatItChose) {
  local::BackendOptions options;
  options.kind = "auto";
  options.threads = 1;
  const auto chosen = local::make_backend(options);
  options.kind = chosen->name();
  const auto by_name = local::make_backend(options);
  EXPECT_EQ(chosen->prefill_chunk(), by_name->prefill_chunk()) << chosen->name();
  EXPECT_EQ(chosen->reads_weights_in_host_memory(), by_name->reads_weights_in_host_memory()) << chosen->name();
}

}  // namespace
