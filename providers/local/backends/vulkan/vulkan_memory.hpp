#pragma once
// Device memory under a cap: every device-local allocation goes through Memory, which refuses,
// with an Error naming the sizes, what would pass `memory_limit` or the driver's budget, so a
// model that does not fit is an error before the driver ever runs out. Weights are packed into
// large blocks (few allocations; Vulkan caps their number); activations get a buffer each.

#include <cstdint>
#include <string>
#include <vector>

#include "backends/vulkan/vulkan_device.hpp"

namespace switchboard::local::vk {

// A VkBuffer with its own memory.
struct DeviceBuffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize bytes = 0;
  void* mapped = nullptr;  // host-visible buffers only
  bool counted = false;    // device-local: counted against the limit
};

// A range of a buffer, as a descriptor binds it.
struct BufferRange {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize bytes = 0;
};

class Memory {
 public:
  Memory(Device& device, std::uint64_t limit);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  // Device-local storage buffer (also a transfer source and destination). `what` names it in errors.
  DeviceBuffer create_device(VkDeviceSize bytes, const std::string& what);
  // Host-visible, mapped: staging for uploads and reads (not counted: it is host memory).
  DeviceBuffer create_host(VkDeviceSize bytes, bool for_reading);
  void destroy(DeviceBuffer& buffer);

  // Room for `bytes` of weights in a long-lived block, aligned for binding as a storage buffer.
  BufferRange reserve_weights(VkDeviceSize bytes, const std::string& what);

  std::uint64_t limit() const { return limit_; }
  std::uint64_t in_use() const { return in_use_; }
  std::uint64_t weight_bytes() const { return weight_bytes_; }

 private:
  void check_room(VkDeviceSize bytes, const std::string& what) const;
  DeviceBuffer create(VkDeviceSize bytes, VkBufferUsageFlags usage, VkMemoryPropertyFlags required,
                      VkMemoryPropertyFlags preferred, bool counted, const std::string& what);

  Device& device_;
  std::uint64_t limit_;  // 0: the device's budget alone
  std::uint64_t in_use_ = 0;
  std::uint64_t weight_bytes_ = 0;
  VkDeviceSize alignment_;
  struct Block {
    DeviceBuffer storage;
    VkDeviceSize used = 0;
  };
  std::vector<Block> blocks_;
};

}  // namespace switchboard::local::vk
