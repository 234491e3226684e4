#pragma once
// Which Vulkan devices this machine has, and one opened for compute: the instance (one per
// process), the device list `switchboard providers` shows, and choosing a device by index or name.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/vulkan/vulkan_api.hpp"

namespace switchboard::local::vk {

struct DeviceSummary {
  int index = 0;
  std::string name;
  std::string type;  // discrete, integrated, virtual, cpu, other
  std::uint32_t api_version = 0;
  std::uint64_t device_local_bytes = 0;  // the largest device-local heap
  std::uint32_t subgroup_size = 0;
  bool subgroup_arithmetic = false;  // subgroupAdd / subgroupMax in compute shaders

  nlohmann::json to_json() const;
};

// The devices of this machine, or why there are none (no loader, instance creation failed,
// no device with Vulkan 1.2 and a compute queue): `unavailable` is empty when `devices` is usable.
struct DeviceList {
  std::vector<DeviceSummary> devices;
  std::string unavailable;
};
DeviceList list_devices();

// Picks a device: `wanted` is an index ("0") or a case-insensitive part of a name; empty means
// the best (discrete, then integrated, virtual, cpu; then the most memory). Throws Error(config)
// naming what is there when nothing matches, Error(unavailable) when there is no device at all.
const DeviceSummary& choose_device(const DeviceList& list, const std::string& wanted);

// Whether the device is a real GPU (not a CPU implementation such as lavapipe).
bool is_gpu(const DeviceSummary& device);

// One opened device with a compute queue.
class Device {
 public:
  explicit Device(const DeviceSummary& summary);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const DeviceSummary& summary() const { return summary_; }
  VkDevice handle() const { return device_; }
  VkQueue queue() const { return queue_; }
  std::uint32_t queue_family() const { return queue_family_; }
  const VkPhysicalDeviceMemoryProperties& memory() const { return memory_; }
  const VkPhysicalDeviceLimits& limits() const { return limits_; }
  bool has_memory_budget() const { return memory_budget_; }
  bool has_timestamps() const { return timestamp_bits_ != 0; }
  float timestamp_period_ns() const { return timestamp_period_; }
  // Bytes the driver says this process may still allocate from the device-local heap, when
  // VK_EXT_memory_budget is there; else the heap's size.
  std::uint64_t device_local_budget() const;

  // A memory type with all of `required` (and `preferred` when one has it); throws when none.
  std::uint32_t memory_type(std::uint32_t allowed_types, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const;

 private:
  DeviceSummary summary_;
  std::shared_ptr<void> instance_;  // keeps the process's instance alive
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  std::uint32_t queue_family_ = 0;
  VkPhysicalDeviceMemoryProperties memory_{};
  VkPhysicalDeviceLimits limits_{};
  bool memory_budget_ = false;
  std::uint32_t timestamp_bits_ = 0;
  float timestamp_period_ = 1;
};

}  // namespace switchboard::local::vk
