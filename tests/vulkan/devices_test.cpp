// Devices and memory: the list `switchboard providers` shows, choosing a device by index or
// name, and memory_limit refusing what does not fit with an error that names the sizes.

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vulkan_test_support.hpp"

namespace {

using namespace switchboard;
using namespace switchboard::local;
using ::testing::HasSubstr;

TEST(VulkanDevices, ListNamesEachDeviceWithItsMemory) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  const auto list = vulkan_devices();
  ASSERT_TRUE(list["available"].get<bool>());
  ASSERT_FALSE(list["devices"].empty());
  for (const auto& device : list["devices"]) {
    EXPECT_FALSE(device["name"].get<std::string>().empty());
    EXPECT_GT(device["memory_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_THAT((std::vector<std::string>{"discrete", "integrated", "virtual", "cpu", "other"}),
                ::testing::Contains(device["type"].get<std::string>()));
  }
}

TEST(VulkanDevices, ChosenByIndexAndByPartOfTheName) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  const auto first = vulkan_devices()["devices"][0];
  const std::string name = first["name"];
  auto by_index = make_vulkan_backend(std::to_string(first["index"].get<int>()));
  EXPECT_EQ(by_index->describe()["device"]["name"], name);
  // A lower-cased middle part of the name picks the same device.
  std::string part = name.substr(name.size() / 3, std::max<std::size_t>(1, name.size() / 3));
  for (char& c : part) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto by_name = make_vulkan_backend(part);
  EXPECT_EQ(by_name->describe()["device"]["name"], name);
}

TEST(VulkanDevices, UnknownDeviceIsAConfigErrorListingWhatThereIs) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  const std::string name = vulkan_devices()["devices"][0]["name"];
  try {
    make_vulkan_backend("no-such-gpu-anywhere");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::config);
    EXPECT_THAT(e.what(), HasSubstr("no-such-gpu-anywhere"));
    EXPECT_THAT(e.what(), HasSubstr(name));
  }
  EXPECT_THROW(make_vulkan_backend("97"), Error);
}

TEST(VulkanMemory, WeightsBeyondTheLimitAreRefusedNamingSizes) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  std::mt19937 rng(7);
  auto backend = make_vulkan_backend({}, 3u << 20);  // 3 MiB
  // 1 MiB fits; a 4 MiB weight after it does not.
  auto small = vulkan_test::random_weight(WeightFormat::bf16, DType::bf16, 512, 1024, 0, rng);
  backend->upload(small);
  auto large = vulkan_test::random_weight(WeightFormat::f32, DType::bf16, 1024, 1024, 0, rng);
  large.name = "model.layers.0.mlp.up_proj";
  try {
    backend->upload(large);
    FAIL() << "expected the upload to be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.category(), ErrorCategory::unavailable);
    EXPECT_THAT(e.what(), HasSubstr("model.layers.0.mlp.up_proj"));
    EXPECT_THAT(e.what(), HasSubstr("4.0 MiB"));
    EXPECT_THAT(e.what(), HasSubstr("memory_limit is 3.0 MiB"));
  }
  // The refusal left the backend usable: what fitted still computes.
  auto in = backend->allocate(1024), out = backend->allocate(512);
  backend->matmul(small, {in.get(), 0}, 1, {out.get(), 0});
  std::vector<float> result(512);
  backend->read({out.get(), 0}, result);
  EXPECT_EQ(result, std::vector<float>(512, 0.0f)) << "zeroed input, zero product";
}

TEST(VulkanMemory, ActivationBuffersCountAgainstTheLimit) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  auto backend = make_vulkan_backend({}, 2u << 20);
  auto fits = backend->allocate(256 * 1024);  // 1 MiB
  EXPECT_THROW(backend->allocate(512 * 1024), Error);
  fits.reset();  // freed memory is available again
  EXPECT_NO_THROW(backend->allocate(384 * 1024));
}

TEST(VulkanMemory, DescribeReportsDeviceLimitAndUse) {
  SWITCHBOARD_REQUIRE_VULKAN_DEVICE();
  auto backend = make_vulkan_backend({}, 64u << 20);
  auto buffer = backend->allocate(1000);
  const auto info = backend->describe();
  EXPECT_EQ(info["backend"], "vulkan");
  EXPECT_EQ(info["memory_limit_bytes"], 64u << 20);
  EXPECT_GE(info["memory_in_use_bytes"].get<std::uint64_t>(), 4000u);
  EXPECT_FALSE(info["device"]["name"].get<std::string>().empty());
}

}  // namespace
