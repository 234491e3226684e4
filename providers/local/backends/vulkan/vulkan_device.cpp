#include "backends/vulkan/vulkan_device.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <optional>

#include <switchboard/error.hpp>

namespace switchboard::local::vk {
namespace {

constexpr std::uint32_t kMinimumApi = VK_API_VERSION_1_2;

struct Instance {
  VkInstance handle = VK_NULL_HANDLE;
  std::string failure;
  ~Instance() {
    if (handle) vkDestroyInstance(handle, nullptr);
  }
};

// One instance per process, made on first use and kept until exit: NVIDIA's driver (580) refuses a
// second vkCreateInstance in a process that destroyed its first (VK_ERROR_INCOMPATIBLE_DRIVER).
std::shared_ptr<Instance> process_instance() {
  // Never destroyed either: NVIDIA's driver crashes in vkDestroyInstance during exit-time teardown.
  static std::mutex mutex;
  static auto* existing = new std::shared_ptr<Instance>();
  std::lock_guard lock(mutex);
  if (*existing) return *existing;
  auto instance = std::make_shared<Instance>();
  instance->failure = load_loader();
  if (instance->failure.empty()) {
    std::uint32_t loader_version = VK_API_VERSION_1_0;
    if (vkEnumerateInstanceVersion) vkEnumerateInstanceVersion(&loader_version);
    if (loader_version < kMinimumApi) {
      instance->failure = "the Vulkan loader supports only " + std::to_string(VK_API_VERSION_MAJOR(loader_version)) + "." +
                          std::to_string(VK_API_VERSION_MINOR(loader_version)) + "; 1.2 is needed";
    } else {
      VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
      app.pApplicationName = "switchboard";
      app.pEngineName = "switchboard-local";
      app.apiVersion = kMinimumApi;
      VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
      info.pApplicationInfo = &app;
      const VkResult result = vkCreateInstance(&info, nullptr, &instance->handle);
      if (result != VK_SUCCESS) {
        instance->handle = VK_NULL_HANDLE;
        instance->failure = std::string("vkCreateInstance failed: ") + result_name(result);
      } else {
        load_instance_functions(instance->handle);
      }
    }
  }
  *existing = instance;
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  std::uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(instance, &count, devices.data());
  devices.resize(count);
  return devices;
}

const char* type_name(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

int type_rank(const std::string& type) {
  if (type == "discrete") return 4;
  if (type == "integrated") return 3;
  if (type == "virtual") return 2;
  if (type == "cpu") return 1;
  return 0;
}

std::optional<std::uint32_t> compute_queue_family(VkPhysicalDevice device) {
  std::uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(device, &count, families.data());
  // Prefer a compute queue without graphics (a dedicated one), else any with compute.
  std::optional<std::uint32_t> any;
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (!(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT) && families[i].timestampValidBits) return i;
    if (!any) any = i;
  }
  return any;
}

bool has_extension(VkPhysicalDevice device, const char* name) {
  std::uint32_t count = 0;
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> extensions(count);
  vkEnumerateDeviceExtensionProperties(device, nullptr, &count, extensions.data());
  return std::any_of(extensions.begin(), extensions.end(), [&](const auto& e) { return std::strcmp(e.extensionName, name) == 0; });
}

std::uint64_t largest_device_local_heap(const VkPhysicalDeviceMemoryProperties& memory) {
  std::uint64_t largest = 0;
  for (std::uint32_t i = 0; i < memory.memoryHeapCount; ++i)
    if (memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) largest = std::max(largest, memory.memoryHeaps[i].size);
  return largest;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string version_text(std::uint32_t version) {
  return std::to_string(VK_API_VERSION_MAJOR(version)) + "." + std::to_string(VK_API_VERSION_MINOR(version)) + "." +
         std::to_string(VK_API_VERSION_PATCH(version));
}

}  // namespace

nlohmann::json DeviceSummary::to_json() const {
  return {{"index", index},
          {"name", name},
          {"type", type},
          {"api_version", version_text(api_version)},
          {"memory_bytes", device_local_bytes},
          {"subgroup_size", subgroup_size},
          {"subgroup_arithmetic", subgroup_arithmetic}};
}

DeviceList list_devices() {
  DeviceList list;
  auto instance = process_instance();
  if (!instance->failure.empty()) {
    list.unavailable = instance->failure;
    return list;
  }
  const auto devices = physical_devices(instance->handle);
  std::string skipped;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceProperties2 properties{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
    properties.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(devices[i], &properties);
    const auto& p = properties.properties;
    if (p.apiVersion < kMinimumApi || !compute_queue_family(devices[i])) {
      skipped += std::string(skipped.empty() ? "" : "; ") + p.deviceName + " (Vulkan " + version_text(p.apiVersion) +
                 (compute_queue_family(devices[i]) ? "" : ", no compute queue") + ")";
      continue;
    }
    VkPhysicalDeviceMemoryProperties memory;
    vkGetPhysicalDeviceMemoryProperties(devices[i], &memory);
    DeviceSummary summary;
    summary.index = static_cast<int>(i);
    summary.name = p.deviceName;
    summary.type = type_name(p.deviceType);
    summary.api_version = p.apiVersion;
    summary.device_local_bytes = largest_device_local_heap(memory);
    summary.subgroup_size = subgroup.subgroupSize;
    const VkSubgroupFeatureFlags needed = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    summary.subgroup_arithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                                  (subgroup.supportedOperations & needed) == needed && subgroup.subgroupSize >= 4;
    list.devices.push_back(summary);
  }
  if (list.devices.empty())
    list.unavailable = devices.empty() ? "the Vulkan loader found no device (no driver installed?)"
                                       : "no device with Vulkan 1.2 and a compute queue: " + skipped;
  return list;
}

bool is_gpu(const DeviceSummary& device) { return device.type == "discrete" || device.type == "integrated" || device.type == "virtual"; }

const DeviceSummary& choose_device(const DeviceList& list, const std::string& wanted) {
  if (list.devices.empty()) throw Error(ErrorCategory::unavailable, "vulkan: no usable device: " + list.unavailable);
  if (wanted.empty()) {
    return *std::max_element(list.devices.begin(), list.devices.end(), [](const DeviceSummary& a, const DeviceSummary& b) {
      return std::pair(type_rank(a.type), a.device_local_bytes) < std::pair(type_rank(b.type), b.device_local_bytes);
    });
  }
  const bool numeric = std::all_of(wanted.begin(), wanted.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  for (const auto& device : list.devices) {
    if (numeric ? std::to_string(device.index) == wanted : lowercase(device.name).find(lowercase(wanted)) != std::string::npos)
      return device;
  }
  std::string names;
  for (const auto& device : list.devices) names += (names.empty() ? "" : ", ") + std::to_string(device.index) + ": " + device.name;
  throw Error(ErrorCategory::config, "vulkan: option 'device: " + wanted + "' matches no device; this machine has " + names);
}

Device::Device(const DeviceSummary& summary) : summary_(summary) {
  auto instance = process_instance();
  if (!instance->failure.empty()) throw Error(ErrorCategory::unavailable, "vulkan: " + instance->failure);
  instance_ = instance;
  const auto devices = physical_devices(instance->handle);
  if (summary.index < 0 || static_cast<std::size_t>(summary.index) >= devices.size())
    throw Error(ErrorCategory::unavailable, "vulkan: device " + std::to_string(summary.index) + " has gone");
  physical_ = devices[static_cast<std::size_t>(summary.index)];

  VkPhysicalDeviceProperties properties;
  vkGetPhysicalDeviceProperties(physical_, &properties);
  limits_ = properties.limits;
  timestamp_period_ = properties.limits.timestampPeriod;
  vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
  queue_family_ = *compute_queue_family(physical_);
  {
    std::uint32_t count = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &count, nullptr);
    std::vector<VkQueueFamilyProperties> families(count);
    vkGetPhysicalDeviceQueueFamilyProperties(physical_, &count, families.data());
    timestamp_bits_ = properties.limits.timestampComputeAndGraphics ? families[queue_family_].timestampValidBits : 0;
  }

  std::vector<const char*> extensions;
  memory_budget_ = has_extension(physical_, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (memory_budget_) extensions.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  VkDeviceCreateInfo info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue_info;
  info.enabledExtensionCount = static_cast<std::uint32_t>(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  check(vkCreateDevice(physical_, &info, nullptr, &device_), "vkCreateDevice");
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
}

Device::~Device() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    vkDestroyDevice(device_, nullptr);
  }
}

std::uint64_t Device::device_local_budget() const {
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
  VkPhysicalDeviceMemoryProperties2 properties{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2};
  if (memory_budget_) properties.pNext = &budget;
  vkGetPhysicalDeviceMemoryProperties2(physical_, &properties);
  std::uint64_t best = 0;
  for (std::uint32_t i = 0; i < memory_.memoryHeapCount; ++i) {
    if (!(memory_.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)) continue;
    const std::uint64_t available =
        memory_budget_ ? (budget.heapBudget[i] > budget.heapUsage[i] ? budget.heapBudget[i] - budget.heapUsage[i] : 0)
                       : memory_.memoryHeaps[i].size;
    best = std::max(best, available);
  }
  return best;
}

std::uint32_t Device::memory_type(std::uint32_t allowed_types, VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred) const {
  std::optional<std::uint32_t> fallback;
  for (std::uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if (!(allowed_types & (1u << i))) continue;
    const VkMemoryPropertyFlags flags = memory_.memoryTypes[i].propertyFlags;
    if ((flags & required) != required) continue;
    if ((flags & preferred) == preferred) return i;
    if (!fallback) fallback = i;
  }
  if (!fallback) throw Error(ErrorCategory::internal, "vulkan: " + summary_.name + " has no memory type with the flags needed");
  return *fallback;
}

}  // namespace switchboard::local::vk
