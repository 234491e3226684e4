#include "backends/vulkan/vulkan_backend.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

#include "backends/byte_size.hpp"
#include "backends/vulkan/vulkan_device.hpp"
#include "backends/vulkan/vulkan_kernels.hpp"
#include "backends/vulkan/vulkan_memory.hpp"

namespace switchboard::local {
namespace {

using namespace vk;  // the Vulkan entry points (loaded at run time) and the helpers around them

constexpr std::uint32_t kMaxGroups = 65535;  // the least maxComputeWorkGroupCount Vulkan promises
constexpr int kMatvecMaxTokens = 8;          // above this, the tiled matrix-matrix kernel
constexpr std::uint32_t kMatvecGroup = 128;  // 4 teams of 32 threads
// Attention: enough (head, slice, token) workgroups to fill a large GPU; a slice holds at most
// kMaxSlice keys (attention.comp's shared scores); partial results at most kPartialBytes.
constexpr std::size_t kAttentionGroups = 256;
constexpr std::size_t kMaxSlice = 1024;
constexpr std::size_t kPartialBytes = std::size_t{32} << 20;
// Recording is split into submissions of this many dispatches, so the GPU starts on a forward
// pass while the host still records the rest of it.
constexpr std::uint32_t kDispatchesPerSubmit = 48;
constexpr std::size_t kCommandSlots = 8;
constexpr VkDeviceSize kStagingChunk = VkDeviceSize{64} << 20;
constexpr std::size_t kIdsCapacity = 1 << 16;  // token ids staged per submission
// Timestamps: 0 and 1 bracket the work waited for at once; with SWITCHBOARD_VULKAN_PROFILE set, one
// more after each dispatch (profiling puts a barrier after every dispatch, so the gap is that
// kernel's time).
constexpr std::uint32_t kQueries = 4096;

std::uint32_t groups_for(std::size_t items, std::uint32_t per_group) {
  return static_cast<std::uint32_t>(std::min<std::size_t>((items + per_group - 1) / per_group, kMaxGroups));
}

std::uint32_t format_code(WeightFormat format) {
  switch (format) {
    case WeightFormat::f32: return 0;
    case WeightFormat::f16: return 1;
    case WeightFormat::bf16: return 2;
    case WeightFormat::affine4: return 3;
    case WeightFormat::affine8: return 4;
  }
  return 0;
}

std::uint32_t scale_code(DType dtype) { return dtype == DType::f32 ? 0 : dtype == DType::f16 ? 1 : 2; }

template <typename... T>
std::vector<std::uint32_t> push_words(T... values) {
  std::vector<std::uint32_t> words;
  auto add = [&](auto value) {
    std::uint32_t word;
    static_assert(sizeof(value) == 4);
    std::memcpy(&word, &value, 4);
    words.push_back(word);
  };
  (add(values), ...);
  return words;
}

class VulkanBackend;

// SWITCHBOARD_VULKAN_SUBGROUPS=0 takes the shared-memory reductions even where the device has
// subgroup operations: how the tests cover the path for devices without them.
bool subgroups_disabled() {
  const char* value = std::getenv("SWITCHBOARD_VULKAN_SUBGROUPS");
  return value && std::string(value) == "0";
}

class VulkanBuffer final : public Buffer {
 public:
  VulkanBuffer(VulkanBackend& owner, vk::DeviceBuffer storage, std::size_t floats) : owner_(owner), storage_(storage), floats_(floats) {}
  ~VulkanBuffer() override;
  std::size_t size() const override { return floats_; }
  const VulkanBackend* owner() const { return &owner_; }
  VkBuffer handle() const { return storage_.buffer; }
  vk::DeviceBuffer& storage() { return storage_; }

 private:
  VulkanBackend& owner_;
  vk::DeviceBuffer storage_;
  std::size_t floats_;
};

struct ResidentWeight {
  BufferRange values, scales, biases;
};

class VulkanBackend final : public Backend {
 public:
  VulkanBackend(const vk::DeviceSummary& summary, std::size_t memory_limit)
      : device_(summary),
        memory_(device_, memory_limit),
        kernels_(device_, summary.subgroup_arithmetic && !subgroups_disabled()),
        profile_(std::getenv("SWITCHBOARD_VULKAN_PROFILE") != nullptr) {
    VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
    pool_info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool_info.queueFamilyIndex = device_.queue_family();
    check(vkCreateCommandPool(device_.handle(), &pool_info, nullptr, &command_pool_), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo allocate{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    allocate.commandPool = command_pool_;
    allocate.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    allocate.commandBufferCount = 1;
    VkFenceCreateInfo fence_info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    for (Slot& slot : slots_) {
      check(vkAllocateCommandBuffers(device_.handle(), &allocate, &slot.commands), "vkAllocateCommandBuffers");
      check(vkCreateFence(device_.handle(), &fence_info, nullptr, &slot.fence), "vkCreateFence");
    }
    if (device_.has_timestamps()) {
      VkQueryPoolCreateInfo query_info{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
      query_info.queryType = VK_QUERY_TYPE_TIMESTAMP;
      query_info.queryCount = kQueries;
      check(vkCreateQueryPool(device_.handle(), &query_info, nullptr, &timestamps_), "vkCreateQueryPool");
    }
    ids_ = memory_.create_device(kIdsCapacity * 4, "token ids");
    logger()->info("vulkan: using {} ({}, {} of device memory{}), {} reductions", summary.name, summary.type,
                   describe_bytes(summary.device_local_bytes),
                   memory_limit ? ", memory_limit " + describe_bytes(memory_limit) : std::string(),
                   kernels_.subgroups() ? "subgroup" : "shared-memory");
  }

  ~VulkanBackend() override {
    if (profile_) {
      logger()->info("vulkan profile: {} submissions, {} dispatches, GPU busy {:.3f} ms, waiting in read() {:.3f} ms", stats_.submits,
                     stats_.dispatches, stats_.gpu_ns / 1e6, stats_.wait_ns / 1e6);
      for (const auto& [kernel, time] : stats_.per_kernel)
        logger()->info("vulkan profile: {:12s} {:9d} dispatches {:10.3f} ms GPU ({:.2f} us each)", kernel, time.second, time.first / 1e6,
                       time.first / 1e3 / std::max<std::uint64_t>(time.second, 1));
    }
    vkDeviceWaitIdle(device_.handle());
    memory_.destroy(ids_);
    memory_.destroy(partials_);
    memory_.destroy(upload_staging_);
    memory_.destroy(read_staging_);
    if (timestamps_) vkDestroyQueryPool(device_.handle(), timestamps_, nullptr);
    for (Slot& slot : slots_) vkDestroyFence(device_.handle(), slot.fence, nullptr);
    vkDestroyCommandPool(device_.handle(), command_pool_, nullptr);
  }

  std::string name() const override { return "vulkan"; }
  int prefill_chunk() const override { return 512; }

  nlohmann::json describe() const override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    return {{"backend", "vulkan"},
            {"device", device_.summary().to_json()},
            {"devices", vulkan_devices()["devices"]},
            {"memory_limit_bytes", memory_.limit()},
            {"memory_in_use_bytes", memory_.in_use()},
            {"weight_bytes", memory_.weight_bytes()},
            {"kernels", kernels_.subgroups() ? "subgroup reductions" : "shared-memory reductions"},
            {"submissions", stats_.submits},
            {"dispatches", stats_.dispatches},
            {"gpu_busy_ms", stats_.gpu_ns / 1e6}};
  }

  std::unique_ptr<Buffer> allocate(std::size_t floats) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto buffer = std::make_unique<VulkanBuffer>(*this, memory_.create_device(std::max<std::size_t>(floats, 1) * 4, "a buffer of " + std::to_string(floats) + " floats"), floats);
    // Zeroed, as the CPU backend's buffers are: a cache slot read before it is written reads 0.
    begin();
    vk::vkCmdFillBuffer(commands_, buffer->handle(), 0, VK_WHOLE_SIZE, 0);
    barrier();
    return buffer;
  }

  void release(VulkanBuffer& buffer) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    submit_and_wait();  // recorded or running work may still use it
    kernels_.forget_buffer(buffer.handle());
    memory_.destroy(buffer.storage());
  }

  void upload(const WeightMatrix& w) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const WeightKey key{w.data, w.rows, w.cols, w.format};
    if (weights_.count(key)) return;
    ResidentWeight resident;
    resident.values = upload_bytes(w.data, w.row_bytes() * static_cast<std::size_t>(w.rows), w.name);
    if (w.quantized()) {
      const std::size_t side = static_cast<std::size_t>(w.rows) * (w.cols / w.group_size) * dtype_size(w.scale_dtype);
      resident.scales = upload_bytes(w.scales, side, w.name + ".scales");
      resident.biases = upload_bytes(w.biases, side, w.name + ".biases");
    } else {
      resident.scales = resident.biases = resident.values;
    }
    weights_.emplace(key, resident);
  }

  void upload(std::span<const float> vector) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const VectorKey key{vector.data(), vector.size()};
    if (vectors_.count(key)) return;
    vectors_.emplace(key, upload_bytes(reinterpret_cast<const std::byte*>(vector.data()), vector.size_bytes(),
                                       "a vector of " + std::to_string(vector.size()) + " floats"));
  }

  void read(View source, std::span<float> out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    const VkDeviceSize bytes = out.size_bytes();
    VulkanBuffer& buffer = checked(source, out.size(), "read");
    if (read_staging_.bytes < bytes) {
      memory_.destroy(read_staging_);
      read_staging_ = memory_.create_host(std::max<VkDeviceSize>(bytes, 1 << 20), true);
    }
    begin();
    barrier();  // after the dispatches that wrote it
    const VkBufferCopy region{source.offset * 4, 0, bytes};
    if (bytes) vk::vkCmdCopyBuffer(commands_, buffer.handle(), read_staging_.buffer, 1, &region);
    submit_and_wait();
    std::memcpy(out.data(), read_staging_.mapped, bytes);
  }

  void matmul(const WeightMatrix& w, View in, int tokens, View out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const ResidentWeight& resident = find_weight(w);
    VulkanBuffer& input = checked(in, static_cast<std::size_t>(tokens) * w.cols, "matmul input");
    VulkanBuffer& output = checked(out, static_cast<std::size_t>(tokens) * w.rows, "matmul output");
    if (tokens <= 0) return;
    const std::uint32_t format = format_code(w.format), scales = scale_code(w.scale_dtype);
    const auto group = static_cast<std::uint32_t>(w.group_size);
    const std::vector<BufferRange> ranges = {resident.values, resident.scales, resident.biases, whole(input), whole(output)};
    const auto rows = static_cast<std::uint32_t>(w.rows), cols = static_cast<std::uint32_t>(w.cols);
    const std::vector<Access> accesses = {read_of(in, static_cast<std::size_t>(tokens) * w.cols),
                                          write_of(out, static_cast<std::size_t>(tokens) * w.rows)};
    if (tokens <= kMatvecMaxTokens) {
      // Rows per 32-thread team: more share each input read, fewer leave workgroups for every SM.
      const std::uint32_t rows_per_team = rows >= 8192 ? 4 : rows >= 2048 ? 2 : 1;
      const std::uint32_t token_group = tokens == 1 ? 1 : tokens == 2 ? 2 : tokens <= 4 ? 4 : 8;
      const vk::Kernel& kernel = kernels_.get("matvec", 7, {kMatvecGroup, format, scales, group, rows_per_team, token_group});
      const std::uint32_t rows_per_group = kMatvecGroup / 32 * rows_per_team;
      const std::uint32_t row_groups = (rows + rows_per_group - 1) / rows_per_group;
      std::vector<BufferRange> matvec_ranges = ranges;
      matvec_ranges.push_back(whole(output));  // bias and residual: unused until an add is folded in
      matvec_ranges.push_back(whole(output));
      if (row_groups <= kMaxGroups) {  // held back: an add_bias or add may fold into it
        pending_.push_back({&kernel, matvec_ranges, push_words(rows, cols, static_cast<std::uint32_t>(tokens), offset(in), offset(out), 0u, 0u, 0u),
                            accesses, row_groups, static_cast<std::uint32_t>((tokens + token_group - 1) / token_group), out,
                            static_cast<std::size_t>(tokens) * w.rows, static_cast<std::size_t>(w.rows), Pending::matvec});
        return;
      }
      flush_pending();
      for (std::uint32_t first = 0; first < row_groups; first += kMaxGroups) {
        const std::uint32_t count = std::min(kMaxGroups, row_groups - first);
        dispatch(kernel, matvec_ranges,
                 push_words(rows, cols, static_cast<std::uint32_t>(tokens), offset(in), offset(out), first * rows_per_group, 0u, 0u), accesses,
                 count, static_cast<std::uint32_t>((tokens + token_group - 1) / token_group));
      }
    } else {
      flush_pending();
      const vk::Kernel& kernel = kernels_.get("matmul", 5, {256, format, scales, group});
      dispatch(kernel, ranges, push_words(rows, cols, static_cast<std::uint32_t>(tokens), offset(in), offset(out)), accesses,
               (rows + 63) / 64, static_cast<std::uint32_t>((tokens + 63) / 64));
    }
  }

  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    const ResidentWeight& resident = find_weight(table);
    VulkanBuffer& output = checked(out, ids.size() * table.cols, "embed output");
    for (std::int32_t id : ids)
      if (id < 0 || id >= table.rows)
        throw Error(ErrorCategory::invalid_request, "token id " + std::to_string(id) + " is outside the embedding table '" +
                                                        table.name + "' (" + std::to_string(table.rows) + " rows)");
    if (ids.empty()) return;
    if (ids.size() > kIdsCapacity)
      throw Error(ErrorCategory::invalid_request, "vulkan: " + std::to_string(ids.size()) + " tokens in one embedding; at most " +
                                                      std::to_string(kIdsCapacity) + " at a time");
    if (ids_used_ + ids.size() > kIdsCapacity) submit_and_wait();
    begin();
    const std::size_t first = ids_used_;
    for (std::size_t done = 0; done < ids.size();) {  // vkCmdUpdateBuffer takes 64 KiB at most
      const std::size_t count = std::min<std::size_t>(ids.size() - done, 16384);
      vk::vkCmdUpdateBuffer(commands_, ids_.buffer, (first + done) * 4, count * 4, ids.data() + done);
      done += count;
    }
    ids_used_ += ids.size();
    barrier();
    const vk::Kernel& kernel =
        kernels_.get("embed", 5, {256, format_code(table.format), scale_code(table.scale_dtype), static_cast<std::uint32_t>(table.group_size)});
    dispatch(kernel, {resident.values, resident.scales, resident.biases, {ids_.buffer, 0, ids_.bytes}, whole(output)},
             push_words(static_cast<std::uint32_t>(ids.size()), static_cast<std::uint32_t>(table.cols), static_cast<std::uint32_t>(first),
                        offset(out), scale),
             {write_of(out, ids.size() * table.cols)}, groups_for(ids.size() * table.cols, 256));
  }

  void rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    const BufferRange w = find_vector(weight, static_cast<std::size_t>(dim));
    VulkanBuffer& input = checked(in, static_cast<std::size_t>(rows) * dim, "rms_norm input");
    VulkanBuffer& output = checked(out, static_cast<std::size_t>(rows) * dim, "rms_norm output");
    const std::uint32_t wg = dim >= 1024 ? 256 : 64;
    const vk::Kernel& kernel = kernels_.get("rms_norm", 3, {wg});
    for (int first = 0; first < rows; first += static_cast<int>(kMaxGroups)) {
      const int count = std::min(rows - first, static_cast<int>(kMaxGroups));
      const std::size_t skip = static_cast<std::size_t>(first) * dim;
      dispatch(kernel, {whole(input), w, whole(output)},
               push_words(static_cast<std::uint32_t>(dim), static_cast<std::uint32_t>(in.offset + skip),
                          static_cast<std::uint32_t>(out.offset + skip), eps, static_cast<std::uint32_t>(adds_one)),
               {read_of(in.at(skip), static_cast<std::size_t>(count) * dim), write_of(out.at(skip), static_cast<std::size_t>(count) * dim)},
               static_cast<std::uint32_t>(count));
    }
  }

  void rope(View x, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const BufferRange frequencies = find_vector(inverse_frequencies, static_cast<std::size_t>(head_dim / 2));
    VulkanBuffer& values = checked(x, static_cast<std::size_t>(tokens) * heads * head_dim, "rope");
    const std::size_t pairs = static_cast<std::size_t>(tokens) * heads * (head_dim / 2);
    if (pairs == 0) return;
    flush_pending();
    const std::size_t n = static_cast<std::size_t>(tokens) * heads * head_dim;
    // Held back: a copy of the rotated values (into the key cache) may fold into it.
    pending_.push_back({&kernels_.get("rope", 3, {64}), {whole(values), frequencies, whole(values)},
                        push_words(static_cast<std::uint32_t>(tokens), static_cast<std::uint32_t>(heads), static_cast<std::uint32_t>(head_dim),
                                   static_cast<std::uint32_t>(first_position), offset(x), 0u, 0u),
                        {write_of(x, n)}, groups_for(pairs, 64), 1, x, n, 0, Pending::rope});
  }

  void attention(View q, View key_cache, View value_cache, int tokens, int first_position, const AttentionShape& shape,
                 View out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    if (shape.head_dim > 256 || shape.kv_heads <= 0 || shape.heads % shape.kv_heads != 0)
      throw Error(ErrorCategory::model_format, "vulkan attention: head_dim " + std::to_string(shape.head_dim) + " (at most 256), " +
                                                   std::to_string(shape.heads) + " heads over " + std::to_string(shape.kv_heads) +
                                                   " key/value heads");
    const std::size_t q_width = static_cast<std::size_t>(shape.heads) * shape.head_dim;
    const std::size_t kv_width = static_cast<std::size_t>(shape.kv_heads) * shape.head_dim;
    const std::size_t positions = static_cast<std::size_t>(first_position) + tokens;
    VulkanBuffer& queries = checked(q, tokens * q_width, "attention queries");
    VulkanBuffer& keys = checked(key_cache, positions * kv_width, "attention keys");
    VulkanBuffer& values = checked(value_cache, positions * kv_width, "attention values");
    VulkanBuffer& output = checked(out, tokens * q_width, "attention output");
    if (tokens <= 0) return;
    // Keys the last token sees: every slice of every token fits in this many.
    const std::size_t visible = shape.window > 0 ? std::min<std::size_t>(shape.window, positions) : positions;
    const std::size_t heads = static_cast<std::size_t>(shape.heads);
    const std::size_t wanted = std::max<std::size_t>(1, (kAttentionGroups + heads * tokens - 1) / (heads * tokens));
    const std::size_t slice = std::min(kMaxSlice, std::max<std::size_t>(32, ((visible + wanted - 1) / wanted + 31) / 32 * 32));
    const std::size_t slices = (visible + slice - 1) / slice;
    const std::size_t partial_floats_per_token = heads * slices * (shape.head_dim + 2);
    // Tokens per dispatch: their partial results must fit the scratch buffer.
    const std::size_t batch = slices == 1 ? static_cast<std::size_t>(tokens)
                                          : std::max<std::size_t>(1, std::min<std::size_t>(tokens, kPartialBytes / 4 / partial_floats_per_token));
    if (slices > 1) ensure_partials(batch * partial_floats_per_token * 4);
    const BufferRange partials = slices > 1 ? BufferRange{partials_.buffer, 0, partials_.bytes} : whole(output);
    const vk::Kernel& kernel = kernels_.get("attention", 5, {64});
    const vk::Kernel& combine = kernels_.get("attention_combine", 2, {64});
    for (std::size_t t0 = 0; t0 < static_cast<std::size_t>(tokens); t0 += batch) {
      const std::size_t count = std::min(batch, tokens - t0);
      const View q_part = q.at(t0 * q_width), out_part = out.at(t0 * q_width);
      std::vector<Access> accesses = {read_of(q_part, count * q_width), read_of(key_cache, (first_position + t0 + count) * kv_width),
                                      read_of(value_cache, (first_position + t0 + count) * kv_width)};
      if (slices > 1) accesses.push_back({partials_.buffer, 0, count * partial_floats_per_token * 4, true});
      else accesses.push_back(write_of(out_part, count * q_width));
      dispatch(kernel, {whole(queries), whole(keys), whole(values), whole(output), partials},
               push_words(offset(q_part), offset(key_cache), offset(value_cache), offset(out_part), static_cast<std::uint32_t>(shape.heads),
                          static_cast<std::uint32_t>(shape.kv_heads), static_cast<std::uint32_t>(shape.head_dim),
                          static_cast<std::uint32_t>(first_position + t0), static_cast<std::uint32_t>(shape.window), shape.scale,
                          shape.softcap, static_cast<std::uint32_t>(slice), static_cast<std::uint32_t>(slices)),
               accesses, static_cast<std::uint32_t>(shape.heads), static_cast<std::uint32_t>(slices), static_cast<std::uint32_t>(count));
      if (slices == 1) continue;
      dispatch(combine, {partials, whole(output)},
               push_words(offset(out_part), static_cast<std::uint32_t>(shape.heads), static_cast<std::uint32_t>(shape.head_dim),
                          static_cast<std::uint32_t>(slices)),
               {{partials_.buffer, 0, count * partial_floats_per_token * 4, false}, write_of(out_part, count * q_width)},
               static_cast<std::uint32_t>(shape.heads), static_cast<std::uint32_t>(count));
    }
  }

  void gated_activation(View gate, View up, std::size_t n, Activation activation, View out) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    elementwise(activation == Activation::silu ? 0 : 1, gate, whole(checked(up, n, "activation up")), offset(up), out, n, 0, 0);
  }

  void add(View x, View delta, std::size_t n) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    VulkanBuffer& residual = checked(x, n, "add x");
    if (Pending* producer = fold_target(Pending::matvec, delta, n, write_of(x, n))) {
      producer->push[6] |= 2u;
      producer->push[7] = offset(x);
      producer->ranges[6] = whole(residual);
      producer->accesses.push_back(write_of(x, n));
      return;
    }
    flush_pending();
    elementwise(2, x, whole(checked(delta, n, "add delta")), offset(delta), x, n, 0, 0);
  }

  void add_bias(View x, std::span<const float> bias, int rows) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    const BufferRange b = find_vector(bias, bias.size());
    const std::size_t n = static_cast<std::size_t>(rows) * bias.size();
    if (Pending* producer = fold_target(Pending::matvec, x, n, write_of(x, n)); producer && producer->width == bias.size()) {
      producer->push[6] |= 1u;
      producer->ranges[5] = b;
      return;
    }
    flush_pending();
    elementwise(3, x, b, 0, x, static_cast<std::size_t>(rows) * bias.size(), static_cast<std::uint32_t>(bias.size()), 0);
  }

  void copy(View source, View destination, std::size_t n) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    VulkanBuffer& target = checked(destination, n, "copy destination");
    checked(source, n, "copy source");
    if (Pending* producer = fold_target(Pending::rope, source, n, write_of(destination, n))) {
      producer->push[5] = 1u;
      producer->push[6] = offset(destination);
      producer->ranges[2] = whole(target);
      producer->accesses.push_back(write_of(destination, n));
      return;
    }
    flush_pending();
    elementwise(4, source, whole(checked(source, n, "copy source")), 0, destination, n, 0, 0);
  }

  void softcap(View x, std::size_t n, float cap) override {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    flush_pending();
    elementwise(5, x, whole(checked(x, n, "softcap")), 0, x, n, 0, cap);
  }

 private:
  struct WeightKey {
    const std::byte* data;
    int rows, cols;
    WeightFormat format;
    bool operator<(const WeightKey& o) const { return std::tie(data, rows, cols, format) < std::tie(o.data, o.rows, o.cols, o.format); }
  };
  using VectorKey = std::pair<const float*, std::size_t>;
  struct Stats {
    std::uint64_t submits = 0, dispatches = 0;
    double gpu_ns = 0, wait_ns = 0;
    std::map<std::string, std::pair<double, std::uint64_t>> per_kernel;  // ns, dispatches (profiling only)
  };

  // What a dispatch reads or writes of an activation buffer, in bytes: a barrier goes in only
  // before a dispatch that touches what an earlier one wrote (or writes what it reads), so
  // independent dispatches (q, k and v; gate and up) run side by side.
  struct Access {
    VkBuffer buffer;
    VkDeviceSize offset, bytes;
    bool write;
  };
  static Access read_of(View view, std::size_t floats) {
    return {static_cast<VulkanBuffer*>(view.buffer)->handle(), view.offset * 4, floats * 4, false};
  }
  static Access write_of(View view, std::size_t floats) {
    return {static_cast<VulkanBuffer*>(view.buffer)->handle(), view.offset * 4, floats * 4, true};
  }
  struct Slot {
    VkCommandBuffer commands = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    bool submitted = false;  // its fence will signal
  };

  // A dispatch held back until the next operation, which may fold into it: an add_bias or a
  // residual add after a projection (matvec), a copy of the rotated keys after rope. Held
  // dispatches are recorded in order, before anything else is.
  struct Pending {
    enum Kind { matvec, rope };
    const vk::Kernel* kernel;
    std::vector<BufferRange> ranges;
    std::vector<std::uint32_t> push;
    std::vector<Access> accesses;
    std::uint32_t x, y;
    View out;           // what it writes
    std::size_t floats;
    std::size_t width;  // matvec: rows of the weight (a bias's length)
    Kind kind;
  };

  // The held dispatch of `kind` that wrote exactly `floats` floats at `result`, if an operation on
  // that result (also writing `extra`) may fold into it: no dispatch held after it touches what
  // either writes, so doing the operation early changes nothing.
  Pending* fold_target(Pending::Kind kind, View result, std::size_t floats, const Access& extra) {
    for (std::size_t i = pending_.size(); i-- > 0;) {
      Pending& candidate = pending_[i];
      if (candidate.kind != kind || candidate.out.buffer != result.buffer || candidate.out.offset != result.offset ||
          candidate.floats != floats)
        continue;
      const Access written = write_of(result, floats);
      if (extra.buffer != written.buffer || extra.offset != written.offset) {  // a second place: apart from all it reads and writes
        if (overlaps(extra, written)) return nullptr;
        for (const Access& access : candidate.accesses)
          if (overlaps(access, extra)) return nullptr;
      }
      for (std::size_t j = i + 1; j < pending_.size(); ++j)
        for (const Access& access : pending_[j].accesses)
          if (overlaps(access, written) || overlaps(access, extra)) return nullptr;
      return &candidate;
    }
    return nullptr;
  }

  static bool overlaps(const Access& a, const Access& b) {
    return a.buffer == b.buffer && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
  }

  void flush_pending() {
    if (pending_.empty()) return;
    std::vector<Pending> held;
    held.swap(pending_);
    for (const Pending& entry : held) dispatch(*entry.kernel, entry.ranges, entry.push, entry.accesses, entry.x, entry.y);
  }

  static BufferRange whole(VulkanBuffer& buffer) { return {buffer.handle(), 0, buffer.storage().bytes}; }
  static std::uint32_t offset(View view) { return static_cast<std::uint32_t>(view.offset); }

  // The buffer behind a view, after checking that `floats` values from its offset lie inside it:
  // a kernel must never be handed a range it would read or write out of bounds.
  VulkanBuffer& checked(View view, std::size_t floats, const char* what) {
    auto* buffer = dynamic_cast<VulkanBuffer*>(view.buffer);
    if (!buffer || buffer->owner() != this)
      throw Error(ErrorCategory::internal, std::string("vulkan ") + what + ": the view is not of a buffer of this backend");
    if (view.offset + floats > buffer->size() || view.offset + floats > 0xFFFFFFFFu)
      throw Error(ErrorCategory::internal, std::string("vulkan ") + what + ": " + std::to_string(floats) + " floats at offset " +
                                               std::to_string(view.offset) + " overrun a buffer of " + std::to_string(buffer->size()));
    return *buffer;
  }

  const ResidentWeight& find_weight(const WeightMatrix& w) const {
    auto found = weights_.find({w.data, w.rows, w.cols, w.format});
    if (found == weights_.end()) throw Error(ErrorCategory::internal, "vulkan: weight '" + w.name + "' was used before upload()");
    return found->second;
  }

  BufferRange find_vector(std::span<const float> vector, std::size_t expected) const {
    auto found = vectors_.find({vector.data(), vector.size()});
    if (found == vectors_.end() || vector.size() < expected)
      throw Error(ErrorCategory::internal, "vulkan: a vector of " + std::to_string(vector.size()) + " floats was used before upload()");
    return found->second;
  }

  void elementwise(std::uint32_t op, View a, BufferRange b, std::uint32_t b_offset, View c, std::size_t n, std::uint32_t width, float cap) {
    VulkanBuffer& first = checked(a, n, "elementwise input");
    VulkanBuffer& result = checked(c, n, "elementwise output");
    if (n == 0) return;
    // Ops 2, 3 and 5 change a in place; the others write c. b is an activation for ops 0-2.
    const bool in_place = op == 2 || op == 3 || op == 5;
    std::vector<Access> accesses = {in_place ? write_of(a, n) : read_of(a, n)};
    if (!in_place) accesses.push_back(write_of(c, n));
    if (op <= 2) accesses.push_back({b.buffer, (VkDeviceSize{b_offset}) * 4, n * 4, false});
    dispatch(kernels_.get("elementwise", 3, {256}), {whole(first), b, whole(result)},
             push_words(static_cast<std::uint32_t>(n), offset(a), b_offset, offset(c), op, width, cap), accesses, groups_for(n, 256));
  }

  // Scratch for attention's per-slice results; grown (after the work using it) when too small.
  void ensure_partials(std::size_t bytes) {
    if (partials_.bytes >= bytes) return;
    submit_and_wait();
    kernels_.forget_buffer(partials_.buffer);
    memory_.destroy(partials_);
    partials_ = memory_.create_device(std::max<std::size_t>(bytes, 1 << 20), "attention scratch");
  }

  BufferRange upload_bytes(const std::byte* data, std::size_t bytes, const std::string& what) {
    const BufferRange range = memory_.reserve_weights(bytes, "uploading '" + what + "'");
    if (!upload_staging_.buffer) upload_staging_ = memory_.create_host(kStagingChunk, false);
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t count = std::min<std::size_t>(bytes - done, upload_staging_.bytes);
      std::memcpy(upload_staging_.mapped, data + done, count);
      begin();
      const VkBufferCopy region{0, range.offset + done, count};
      vk::vkCmdCopyBuffer(commands_, upload_staging_.buffer, range.buffer, 1, &region);
      submit_and_wait();
      done += count;
    }
    return range;
  }


  // Starts recording into the next free command buffer. The first of a batch (the work one
  // submit_and_wait waits for) resets the timestamps and writes the first.
  void begin() {
    if (recording_) return;
    Slot& slot = slots_[next_slot_];
    if (slot.submitted) {  // every slot is in flight: wait for the oldest
      check(vk::vkWaitForFences(device_.handle(), 1, &slot.fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
      check(vk::vkResetFences(device_.handle(), 1, &slot.fence), "vkResetFences");
      slot.submitted = false;
    }
    check(vk::vkResetCommandBuffer(slot.commands, 0), "vkResetCommandBuffer");
    commands_ = slot.commands;
    VkCommandBufferBeginInfo info{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vk::vkBeginCommandBuffer(commands_, &info), "vkBeginCommandBuffer");
    if (!batch_open_) {
      if (timestamps_) {
        vk::vkCmdResetQueryPool(commands_, timestamps_, 0, profile_ ? kQueries : 2);
        vk::vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, timestamps_, 0);
      }
      profiled_.clear();
      batch_open_ = true;
    }
    recording_ = true;
    dispatches_recorded_ = 0;
    bound_pipeline_ = VK_NULL_HANDLE;
  }

  // Orders everything recorded (and submitted) so far before everything after (compute and transfers).
  void barrier() {
    VkMemoryBarrier memory{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    memory.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    memory.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
    vk::vkCmdPipelineBarrier(commands_, stages, stages, 0, 1, &memory, 0, nullptr, 0, nullptr);
    unordered_.clear();
  }

  bool conflicts(const Access& access) const {
    for (const Access& earlier : unordered_)
      if ((earlier.write || access.write) && overlaps(earlier, access)) return true;
    return false;
  }

  void dispatch(const vk::Kernel& kernel, const std::vector<BufferRange>& ranges, const std::vector<std::uint32_t>& push,
                const std::vector<Access>& accesses, std::uint32_t x, std::uint32_t y = 1, std::uint32_t z = 1) {
    VkDescriptorSet set = kernels_.descriptor_set(kernel, ranges);
    begin();
    bool hazard = false;
    for (const Access& access : accesses) hazard = hazard || conflicts(access);
    if (hazard) barrier();
    if (bound_pipeline_ != kernel.pipeline) {
      vk::vkCmdBindPipeline(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline);
      bound_pipeline_ = kernel.pipeline;
    }
    vk::vkCmdBindDescriptorSets(commands_, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.layout, 0, 1, &set, 0, nullptr);
    vk::vkCmdPushConstants(commands_, kernel.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, static_cast<std::uint32_t>(push.size() * 4),
                           push.data());
    vk::vkCmdDispatch(commands_, x, y, z);
    unordered_.insert(unordered_.end(), accesses.begin(), accesses.end());
    ++stats_.dispatches;
    if (profile_) {
      barrier();  // serialised, so each timestamp gap is one kernel
      if (timestamps_ && profiled_.size() + 2 < kQueries) {
        vk::vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, timestamps_,
                                static_cast<std::uint32_t>(profiled_.size() + 2));
        profiled_.push_back(kernel.name);
      }
    }
    if (++dispatches_recorded_ >= kDispatchesPerSubmit) submit();
  }

  // Ends and submits the command buffer being recorded, without waiting.
  void submit() {
    if (!recording_) return;
    Slot& slot = slots_[next_slot_];
    check(vk::vkEndCommandBuffer(commands_), "vkEndCommandBuffer");
    recording_ = false;
    VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &commands_;
    check(vk::vkQueueSubmit(device_.queue(), 1, &submit, slot.fence), "vkQueueSubmit");
    slot.submitted = true;
    next_slot_ = (next_slot_ + 1) % kCommandSlots;
    ++stats_.submits;
  }

  // Submits what is recorded and waits for everything submitted.
  void submit_and_wait() {
    flush_pending();
    if (!batch_open_) return;
    begin();  // the batch's last command buffer holds its closing timestamp
    if (timestamps_) vk::vkCmdWriteTimestamp(commands_, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, timestamps_, 1);
    submit();
    const auto started = std::chrono::steady_clock::now();
    for (Slot& slot : slots_) {
      if (!slot.submitted) continue;
      check(vk::vkWaitForFences(device_.handle(), 1, &slot.fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
      check(vk::vkResetFences(device_.handle(), 1, &slot.fence), "vkResetFences");
      slot.submitted = false;
    }
    stats_.wait_ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - started).count();
    batch_open_ = false;
    ids_used_ = 0;
    unordered_.clear();
    if (timestamps_) {
      std::vector<std::uint64_t> ticks(profiled_.size() + 2);
      if (vk::vkGetQueryPoolResults(device_.handle(), timestamps_, 0, static_cast<std::uint32_t>(ticks.size()), ticks.size() * 8,
                                    ticks.data(), 8, VK_QUERY_RESULT_64_BIT) == VK_SUCCESS) {
        const double period = device_.timestamp_period_ns();
        stats_.gpu_ns += static_cast<double>(ticks[1] - ticks[0]) * period;
        std::uint64_t previous = ticks[0];
        for (std::size_t i = 0; i < profiled_.size(); ++i) {
          auto& entry = stats_.per_kernel[profiled_[i]];
          entry.first += static_cast<double>(ticks[i + 2] - previous) * period;
          entry.second += 1;
          previous = ticks[i + 2];
        }
      }
    }
  }

  vk::Device device_;
  vk::Memory memory_;
  vk::Kernels kernels_;
  bool profile_;
  // Allocations and buffer releases may come from outside the pass; a buffer made in allocate()
  // is released under the same lock if recording fails.
  mutable std::recursive_mutex mutex_;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  std::array<Slot, kCommandSlots> slots_;
  std::size_t next_slot_ = 0;
  VkCommandBuffer commands_ = VK_NULL_HANDLE;  // the one being recorded
  VkQueryPool timestamps_ = VK_NULL_HANDLE;
  bool recording_ = false;
  bool batch_open_ = false;  // work recorded or submitted since the last wait
  std::uint32_t dispatches_recorded_ = 0;
  VkPipeline bound_pipeline_ = VK_NULL_HANDLE;
  std::vector<Access> unordered_;  // accesses since the last barrier
  std::vector<Pending> pending_;
  vk::DeviceBuffer ids_, upload_staging_, read_staging_, partials_;
  std::size_t ids_used_ = 0;
  std::vector<std::string> profiled_;  // the kernel of each per-dispatch timestamp of this submission
  std::map<WeightKey, ResidentWeight> weights_;
  std::map<VectorKey, BufferRange> vectors_;
  Stats stats_;
};

VulkanBuffer::~VulkanBuffer() { owner_.release(*this); }

}  // namespace

std::unique_ptr<Backend> make_vulkan_backend(const std::string& device, std::size_t memory_limit) {
  const vk::DeviceList list = vk::list_devices();
  return std::make_unique<VulkanBackend>(vk::choose_device(list, device), memory_limit);
}

nlohmann::json vulkan_devices() {
  const vk::DeviceList list = vk::list_devices();
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& device : list.devices) devices.push_back(device.to_json());
  nlohmann::json result = {{"available", list.unavailable.empty()}, {"devices", devices}};
  if (!list.unavailable.empty()) result["reason"] = list.unavailable;
  return result;
}

int best_vulkan_gpu(std::string* reason) {
  const vk::DeviceList list = vk::list_devices();
  if (!list.unavailable.empty()) {
    if (reason) *reason = list.unavailable;
    return -1;
  }
  const vk::DeviceSummary& best = vk::choose_device(list, {});
  if (!vk::is_gpu(best)) {
    if (reason) *reason = "the only Vulkan devices are CPU implementations (best: " + best.name + ")";
    return -1;
  }
  return best.index;
}

}  // namespace switchboard::local
