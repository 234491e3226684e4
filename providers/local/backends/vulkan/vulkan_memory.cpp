#include "backends/vulkan/vulkan_memory.hpp"

#include <algorithm>

#include <switchboard/error.hpp>

#include "backends/byte_size.hpp"

namespace switchboard::local::vk {
namespace {

constexpr VkDeviceSize kWeightBlockBytes = VkDeviceSize{256} << 20;

VkDeviceSize round_up(VkDeviceSize value, VkDeviceSize alignment) { return (value + alignment - 1) / alignment * alignment; }

}  // namespace

Memory::Memory(Device& device, std::uint64_t limit)
    : device_(device), limit_(limit), alignment_(std::max<VkDeviceSize>(device.limits().minStorageBufferOffsetAlignment, 16)) {}

Memory::~Memory() {
  for (auto& block : blocks_) destroy(block.storage);
}

void Memory::check_room(VkDeviceSize bytes, const std::string& what) const {
  if (limit_ && in_use_ + bytes > limit_)
    throw Error(ErrorCategory::unavailable, "vulkan: " + what + " needs " + describe_bytes(bytes) + " more on " + device_.summary().name +
                                                ", but memory_limit is " + describe_bytes(limit_) + " and " + describe_bytes(in_use_) +
                                                " is in use (" + describe_bytes(weight_bytes_) + " of it weights)");
  const std::uint64_t budget = device_.device_local_budget();
  if (bytes > budget)
    throw Error(ErrorCategory::unavailable, "vulkan: " + what + " needs " + describe_bytes(bytes) + " more on " + device_.summary().name +
                                                ", which has " + describe_bytes(budget) + " free (" + describe_bytes(in_use_) +
                                                " in use by this backend)");
}

DeviceBuffer Memory::create(VkDeviceSize bytes, VkBufferUsageFlags usage, VkMemoryPropertyFlags required,
                            VkMemoryPropertyFlags preferred, bool counted, const std::string& what) {
  bytes = std::max<VkDeviceSize>(bytes, 16);
  if (counted) check_room(bytes, what);
  DeviceBuffer result;
  result.bytes = bytes;
  result.counted = counted;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = bytes;
  info.usage = usage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  check(vkCreateBuffer(device_.handle(), &info, nullptr, &result.buffer), "vkCreateBuffer");
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device_.handle(), result.buffer, &requirements);
  VkMemoryAllocateInfo allocate{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  allocate.allocationSize = requirements.size;
  try {
    allocate.memoryTypeIndex = device_.memory_type(requirements.memoryTypeBits, required, preferred);
    const VkResult allocated = vkAllocateMemory(device_.handle(), &allocate, nullptr, &result.memory);
    if (allocated == VK_ERROR_OUT_OF_DEVICE_MEMORY || allocated == VK_ERROR_OUT_OF_HOST_MEMORY)
      throw Error(ErrorCategory::unavailable, "vulkan: " + what + " needs " + describe_bytes(bytes) + " on " + device_.summary().name +
                                                  " and the driver has no room (" + result_name(allocated) + "; " +
                                                  describe_bytes(in_use_) + " in use by this backend)");
    check(allocated, "vkAllocateMemory");
    check(vkBindBufferMemory(device_.handle(), result.buffer, result.memory, 0), "vkBindBufferMemory");
    if (required & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)
      check(vkMapMemory(device_.handle(), result.memory, 0, VK_WHOLE_SIZE, 0, &result.mapped), "vkMapMemory");
  } catch (...) {
    if (result.memory) vkFreeMemory(device_.handle(), result.memory, nullptr);
    vkDestroyBuffer(device_.handle(), result.buffer, nullptr);
    throw;
  }
  if (counted) in_use_ += bytes;
  return result;
}

DeviceBuffer Memory::create_device(VkDeviceSize bytes, const std::string& what) {
  return create(bytes, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0, true, what);
}

DeviceBuffer Memory::create_host(VkDeviceSize bytes, bool for_reading) {
  return create(bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                for_reading ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0, false, "a staging buffer");
}

void Memory::destroy(DeviceBuffer& buffer) {
  if (!buffer.buffer) return;
  if (buffer.mapped) vkUnmapMemory(device_.handle(), buffer.memory);
  vkDestroyBuffer(device_.handle(), buffer.buffer, nullptr);
  vkFreeMemory(device_.handle(), buffer.memory, nullptr);
  if (buffer.counted) in_use_ -= buffer.bytes;
  buffer = {};
}

BufferRange Memory::reserve_weights(VkDeviceSize bytes, const std::string& what) {
  bytes = round_up(std::max<VkDeviceSize>(bytes, 4), alignment_);
  Block* block = nullptr;
  for (auto& candidate : blocks_)
    if (candidate.storage.bytes - candidate.used >= bytes) block = &candidate;
  if (!block) {
    // A full-size block while the limit leaves plenty of room; near the limit, half of what is
    // left (at least this weight), so activations and the KV cache still find room after it.
    VkDeviceSize size = std::max(bytes, kWeightBlockBytes);
    if (limit_ && in_use_ + size > limit_ / 2) size = std::max(bytes, std::min(size, limit_ > in_use_ ? (limit_ - in_use_) / 2 : 0));
    size = std::min<VkDeviceSize>(size, std::max<VkDeviceSize>(bytes, device_.limits().maxStorageBufferRange & ~VkDeviceSize{255}));
    blocks_.push_back({create_device(size, what), 0});
    block = &blocks_.back();
  }
  BufferRange range{block->storage.buffer, block->used, bytes};
  block->used += bytes;
  weight_bytes_ += bytes;
  return range;
}

}  // namespace switchboard::local::vk
