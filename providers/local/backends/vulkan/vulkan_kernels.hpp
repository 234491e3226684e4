#pragma once
// Compute pipelines made from the embedded SPIR-V, one per (shader, specialization constants),
// and the descriptor sets that bind buffers to them. Activations are bound whole and addressed
// by offsets in push constants, so the sets a forward pass needs are the same every token: they
// are made once and looked up, and a decode step allocates nothing.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "backends/vulkan/vulkan_device.hpp"
#include "backends/vulkan/vulkan_memory.hpp"

namespace switchboard::local::vk {

constexpr std::uint32_t kMaxBindings = 7;
constexpr std::uint32_t kPushConstantBytes = 64;

struct Kernel {
  std::string name;
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  std::uint32_t bindings = 0;
};

class Kernels {
 public:
  Kernels(Device& device, bool subgroups);
  ~Kernels();
  Kernels(const Kernels&) = delete;
  Kernels& operator=(const Kernels&) = delete;

  // `name` is a shader of shaders/ (its subgroup build when the device has subgroup arithmetic);
  // `constants` are its specialization constants 0, 1, 2, ... in order.
  const Kernel& get(const std::string& name, std::uint32_t bindings, const std::vector<std::uint32_t>& constants);

  // The descriptor set binding `ranges` to a kernel's bindings 0..n-1; made on first use.
  VkDescriptorSet descriptor_set(const Kernel& kernel, const std::vector<BufferRange>& ranges);
  // Forgets (and frees) every set that binds `buffer`: it is being destroyed.
  void forget_buffer(VkBuffer buffer);

  bool subgroups() const { return subgroups_; }

 private:
  VkDescriptorSetLayout set_layout(std::uint32_t bindings);
  VkPipelineLayout pipeline_layout(std::uint32_t bindings);
  VkDescriptorPool current_pool();

  Device& device_;
  bool subgroups_;
  std::map<std::uint32_t, VkDescriptorSetLayout> set_layouts_;
  std::map<std::uint32_t, VkPipelineLayout> pipeline_layouts_;
  std::map<std::pair<std::string, std::vector<std::uint32_t>>, Kernel> kernels_;
  struct SetKey {
    VkDescriptorSetLayout layout;
    std::vector<BufferRange> ranges;
    bool operator<(const SetKey& other) const;
  };
  struct CachedSet {
    VkDescriptorSet set;
    VkDescriptorPool pool;
  };
  std::map<SetKey, CachedSet> sets_;
  std::vector<VkDescriptorPool> pools_;
  std::uint32_t sets_in_current_pool_ = 0;
};

}  // namespace switchboard::local::vk
