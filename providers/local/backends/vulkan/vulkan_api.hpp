#pragma once
// The Vulkan entry points the backend uses, loaded from libvulkan.so.1 at run time rather than
// linked: the plugin must load on a machine with no Vulkan loader and say why there is no GPU.

#include <string>

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

namespace switchboard::local::vk {

// X-macros: each list names the functions of one level (loader, instance, device).
#define SWITCHBOARD_VK_GLOBAL_FUNCTIONS(X) \
  X(vkCreateInstance)                      \
  X(vkEnumerateInstanceVersion)

#define SWITCHBOARD_VK_INSTANCE_FUNCTIONS(X)     \
  X(vkDestroyInstance)                           \
  X(vkEnumeratePhysicalDevices)                  \
  X(vkGetPhysicalDeviceProperties)               \
  X(vkGetPhysicalDeviceProperties2)              \
  X(vkGetPhysicalDeviceMemoryProperties)         \
  X(vkGetPhysicalDeviceMemoryProperties2)        \
  X(vkGetPhysicalDeviceQueueFamilyProperties)    \
  X(vkGetPhysicalDeviceFeatures2)                \
  X(vkEnumerateDeviceExtensionProperties)        \
  X(vkCreateDevice)                              \
  X(vkGetDeviceProcAddr)

#define SWITCHBOARD_VK_DEVICE_FUNCTIONS(X) \
  X(vkDestroyDevice)                       \
  X(vkGetDeviceQueue)                      \
  X(vkCreateBuffer)                        \
  X(vkDestroyBuffer)                       \
  X(vkGetBufferMemoryRequirements)         \
  X(vkAllocateMemory)                      \
  X(vkFreeMemory)                          \
  X(vkBindBufferMemory)                    \
  X(vkMapMemory)                           \
  X(vkUnmapMemory)                         \
  X(vkCreateShaderModule)                  \
  X(vkDestroyShaderModule)                 \
  X(vkCreateDescriptorSetLayout)           \
  X(vkDestroyDescriptorSetLayout)          \
  X(vkCreatePipelineLayout)                \
  X(vkDestroyPipelineLayout)               \
  X(vkCreateComputePipelines)              \
  X(vkDestroyPipeline)                     \
  X(vkCreateDescriptorPool)                \
  X(vkDestroyDescriptorPool)               \
  X(vkAllocateDescriptorSets)              \
  X(vkFreeDescriptorSets)                  \
  X(vkUpdateDescriptorSets)                \
  X(vkCreateCommandPool)                   \
  X(vkDestroyCommandPool)                  \
  X(vkAllocateCommandBuffers)              \
  X(vkBeginCommandBuffer)                  \
  X(vkEndCommandBuffer)                    \
  X(vkResetCommandBuffer)                  \
  X(vkCmdBindPipeline)                     \
  X(vkCmdBindDescriptorSets)               \
  X(vkCmdPushConstants)                    \
  X(vkCmdDispatch)                         \
  X(vkCmdPipelineBarrier)                  \
  X(vkCmdCopyBuffer)                       \
  X(vkCmdUpdateBuffer)                     \
  X(vkCmdFillBuffer)                       \
  X(vkCmdWriteTimestamp)                   \
  X(vkCmdResetQueryPool)                   \
  X(vkQueueSubmit)                         \
  X(vkCreateFence)                         \
  X(vkDestroyFence)                        \
  X(vkWaitForFences)                       \
  X(vkResetFences)                         \
  X(vkDeviceWaitIdle)                      \
  X(vkCreateQueryPool)                     \
  X(vkDestroyQueryPool)                    \
  X(vkGetQueryPoolResults)

#define SWITCHBOARD_VK_DECLARE(name) extern PFN_##name name;
SWITCHBOARD_VK_GLOBAL_FUNCTIONS(SWITCHBOARD_VK_DECLARE)
SWITCHBOARD_VK_INSTANCE_FUNCTIONS(SWITCHBOARD_VK_DECLARE)
SWITCHBOARD_VK_DEVICE_FUNCTIONS(SWITCHBOARD_VK_DECLARE)
#undef SWITCHBOARD_VK_DECLARE

// Opens the loader once per process. Returns an empty string on success, else why it failed
// (no libvulkan.so.1, or it lacks vkGetInstanceProcAddr).
const std::string& load_loader();
void load_instance_functions(VkInstance instance);
// The process has one device at a time per function table; the backend keeps one VkDevice per
// physical device, and device-level pointers fetched through vkGetInstanceProcAddr dispatch on
// the handle, so they serve every device.

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and so on.
const char* result_name(VkResult result);

// Throws Error(internal) naming the call when result is not VK_SUCCESS (out-of-memory results
// become Error(unavailable)).
void check(VkResult result, const char* call);

}  // namespace switchboard::local::vk
