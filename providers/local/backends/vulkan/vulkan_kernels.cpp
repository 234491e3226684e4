#include "backends/vulkan/vulkan_kernels.hpp"

#include <tuple>

#include <switchboard/error.hpp>

#include "backends/vulkan/embedded_shaders.hpp"

namespace switchboard::local::vk {
namespace {

constexpr std::uint32_t kSetsPerPool = 1024;

const EmbeddedShader& find_shader(const std::string& name) {
  for (const auto& shader : embedded_shaders())
    if (name == shader.name) return shader;
  throw Error(ErrorCategory::internal, "vulkan: no embedded shader named '" + name + "'");
}

bool has_shader(const std::string& name) {
  for (const auto& shader : embedded_shaders())
    if (name == shader.name) return true;
  return false;
}

}  // namespace

bool Kernels::SetKey::operator<(const SetKey& other) const {
  if (layout != other.layout) return layout < other.layout;
  if (ranges.size() != other.ranges.size()) return ranges.size() < other.ranges.size();
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const auto a = std::tie(ranges[i].buffer, ranges[i].offset, ranges[i].bytes);
    const auto b = std::tie(other.ranges[i].buffer, other.ranges[i].offset, other.ranges[i].bytes);
    if (a != b) return a < b;
  }
  return false;
}

Kernels::Kernels(Device& device, bool subgroups) : device_(device), subgroups_(subgroups) {}

Kernels::~Kernels() {
  const VkDevice d = device_.handle();
  for (auto& [key, kernel] : kernels_) vkDestroyPipeline(d, kernel.pipeline, nullptr);
  for (auto& [count, layout] : pipeline_layouts_) vkDestroyPipelineLayout(d, layout, nullptr);
  for (auto& [count, layout] : set_layouts_) vkDestroyDescriptorSetLayout(d, layout, nullptr);
  for (VkDescriptorPool pool : pools_) vkDestroyDescriptorPool(d, pool, nullptr);
}

VkDescriptorSetLayout Kernels::set_layout(std::uint32_t bindings) {
  auto found = set_layouts_.find(bindings);
  if (found != set_layouts_.end()) return found->second;
  std::array<VkDescriptorSetLayoutBinding, kMaxBindings> entries{};
  for (std::uint32_t i = 0; i < bindings; ++i) {
    entries[i].binding = i;
    entries[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    entries[i].descriptorCount = 1;
    entries[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  info.bindingCount = bindings;
  info.pBindings = entries.data();
  VkDescriptorSetLayout layout;
  check(vkCreateDescriptorSetLayout(device_.handle(), &info, nullptr, &layout), "vkCreateDescriptorSetLayout");
  set_layouts_[bindings] = layout;
  return layout;
}

VkPipelineLayout Kernels::pipeline_layout(std::uint32_t bindings) {
  auto found = pipeline_layouts_.find(bindings);
  if (found != pipeline_layouts_.end()) return found->second;
  VkDescriptorSetLayout sets = set_layout(bindings);
  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  VkPipelineLayoutCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  info.setLayoutCount = 1;
  info.pSetLayouts = &sets;
  info.pushConstantRangeCount = 1;
  info.pPushConstantRanges = &push;
  VkPipelineLayout layout;
  check(vkCreatePipelineLayout(device_.handle(), &info, nullptr, &layout), "vkCreatePipelineLayout");
  pipeline_layouts_[bindings] = layout;
  return layout;
}

const Kernel& Kernels::get(const std::string& name, std::uint32_t bindings, const std::vector<std::uint32_t>& constants) {
  auto key = std::pair(name, constants);
  auto found = kernels_.find(key);
  if (found != kernels_.end()) return found->second;

  const std::string variant = subgroups_ && has_shader(name + "_subgroups") ? name + "_subgroups" : name;
  const EmbeddedShader& shader = find_shader(variant);
  VkShaderModuleCreateInfo module_info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  module_info.codeSize = shader.bytes;
  module_info.pCode = reinterpret_cast<const std::uint32_t*>(shader.spirv);
  VkShaderModule module;
  check(vkCreateShaderModule(device_.handle(), &module_info, nullptr, &module), "vkCreateShaderModule");

  std::vector<VkSpecializationMapEntry> entries(constants.size());
  for (std::uint32_t i = 0; i < constants.size(); ++i) entries[i] = {i, i * 4, 4};
  VkSpecializationInfo specialization{static_cast<std::uint32_t>(entries.size()), entries.data(), constants.size() * 4,
                                      constants.data()};
  Kernel kernel;
  kernel.name = name;
  kernel.bindings = bindings;
  kernel.set_layout = set_layout(bindings);
  kernel.layout = pipeline_layout(bindings);
  VkComputePipelineCreateInfo info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  info.stage.pSpecializationInfo = &specialization;
  info.layout = kernel.layout;
  const VkResult result = vkCreateComputePipelines(device_.handle(), VK_NULL_HANDLE, 1, &info, nullptr, &kernel.pipeline);
  vkDestroyShaderModule(device_.handle(), module, nullptr);
  check(result, ("vkCreateComputePipelines (" + variant + ")").c_str());
  return kernels_.emplace(std::move(key), kernel).first->second;
}

VkDescriptorPool Kernels::current_pool() {
  if (pools_.empty() || sets_in_current_pool_ == kSetsPerPool) {
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kSetsPerPool * kMaxBindings};
    VkDescriptorPoolCreateInfo info{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    info.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
    info.maxSets = kSetsPerPool;
    info.poolSizeCount = 1;
    info.pPoolSizes = &size;
    VkDescriptorPool pool;
    check(vkCreateDescriptorPool(device_.handle(), &info, nullptr, &pool), "vkCreateDescriptorPool");
    pools_.push_back(pool);
    sets_in_current_pool_ = 0;
  }
  return pools_.back();
}

VkDescriptorSet Kernels::descriptor_set(const Kernel& kernel, const std::vector<BufferRange>& ranges) {
  SetKey key{kernel.set_layout, ranges};
  auto found = sets_.find(key);
  if (found != sets_.end()) return found->second.set;

  VkDescriptorPool pool = current_pool();
  VkDescriptorSetAllocateInfo allocate{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  allocate.descriptorPool = pool;
  allocate.descriptorSetCount = 1;
  allocate.pSetLayouts = &kernel.set_layout;
  VkDescriptorSet set;
  check(vkAllocateDescriptorSets(device_.handle(), &allocate, &set), "vkAllocateDescriptorSets");
  ++sets_in_current_pool_;

  std::array<VkDescriptorBufferInfo, kMaxBindings> infos{};
  std::array<VkWriteDescriptorSet, kMaxBindings> writes{};
  for (std::uint32_t i = 0; i < ranges.size(); ++i) {
    infos[i] = {ranges[i].buffer, ranges[i].offset, ranges[i].bytes ? ranges[i].bytes : VK_WHOLE_SIZE};
    writes[i] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[i].dstSet = set;
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
  }
  vkUpdateDescriptorSets(device_.handle(), static_cast<std::uint32_t>(ranges.size()), writes.data(), 0, nullptr);
  sets_.emplace(std::move(key), CachedSet{set, pool});
  return set;
}

void Kernels::forget_buffer(VkBuffer buffer) {
  for (auto it = sets_.begin(); it != sets_.end();) {
    bool uses = false;
    for (const auto& range : it->first.ranges) uses |= range.buffer == buffer;
    if (uses) {
      vkFreeDescriptorSets(device_.handle(), it->second.pool, 1, &it->second.set);
      it = sets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace switchboard::local::vk
