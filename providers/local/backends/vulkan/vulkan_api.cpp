#include "backends/vulkan/vulkan_api.hpp"

#include <dlfcn.h>

#include <mutex>

#include <switchboard/error.hpp>

namespace switchboard::local::vk {

#define SWITCHBOARD_VK_DEFINE(name) PFN_##name name = nullptr;
SWITCHBOARD_VK_GLOBAL_FUNCTIONS(SWITCHBOARD_VK_DEFINE)
SWITCHBOARD_VK_INSTANCE_FUNCTIONS(SWITCHBOARD_VK_DEFINE)
SWITCHBOARD_VK_DEVICE_FUNCTIONS(SWITCHBOARD_VK_DEFINE)
#undef SWITCHBOARD_VK_DEFINE

namespace {
PFN_vkGetInstanceProcAddr get_instance_proc_addr = nullptr;
}

const std::string& load_loader() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    // Never closed: function pointers into it live as long as the process.
    void* library = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* why = dlerror();
      failure = std::string("no Vulkan loader (libvulkan.so.1): ") + (why ? why : "not found");
      return;
    }
    get_instance_proc_addr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library, "vkGetInstanceProcAddr"));
    if (!get_instance_proc_addr) {
      failure = "libvulkan.so.1 has no vkGetInstanceProcAddr";
      return;
    }
#define SWITCHBOARD_VK_LOAD_GLOBAL(name) name = reinterpret_cast<PFN_##name>(get_instance_proc_addr(nullptr, #name));
    SWITCHBOARD_VK_GLOBAL_FUNCTIONS(SWITCHBOARD_VK_LOAD_GLOBAL)
#undef SWITCHBOARD_VK_LOAD_GLOBAL
    if (!vkCreateInstance) failure = "the Vulkan loader has no vkCreateInstance";
  });
  return failure;
}

void load_instance_functions(VkInstance instance) {
#define SWITCHBOARD_VK_LOAD(name) \
  name = reinterpret_cast<PFN_##name>(get_instance_proc_addr(instance, #name));
  SWITCHBOARD_VK_INSTANCE_FUNCTIONS(SWITCHBOARD_VK_LOAD)
  SWITCHBOARD_VK_DEVICE_FUNCTIONS(SWITCHBOARD_VK_LOAD)
#undef SWITCHBOARD_VK_LOAD
#define SWITCHBOARD_VK_REQUIRE(name) \
  if (!name) throw Error(ErrorCategory::internal, "vulkan: the loader lacks " #name);
  SWITCHBOARD_VK_INSTANCE_FUNCTIONS(SWITCHBOARD_VK_REQUIRE)
  SWITCHBOARD_VK_DEVICE_FUNCTIONS(SWITCHBOARD_VK_REQUIRE)
#undef SWITCHBOARD_VK_REQUIRE
}

const char* result_name(VkResult result) {
  switch (result) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VkResult (unnamed)";
  }
}

void check(VkResult result, const char* call) {
  if (result == VK_SUCCESS) return;
  const std::string message = std::string("vulkan: ") + call + " failed: " + result_name(result) + " (" + std::to_string(result) + ")";
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY)
    throw Error(ErrorCategory::unavailable, message);
  throw Error(ErrorCategory::internal, message);
}

}  // namespace switchboard::local::vk
