#pragma once
// The Vulkan compute backend: the operations of backend.hpp as GLSL compute kernels (shaders/),
// recorded into one command buffer that is submitted when the forward pass reads a result.

#include <cstddef>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/backend.hpp"

namespace switchboard::local {

// Opens `device` (an index or part of a name; empty = the best device, a CPU implementation such
// as lavapipe included). memory_limit caps the device memory it allocates (0 = the device's own).
// Throws Error(unavailable) saying why when there is no loader or no device, Error(config) when
// `device` matches none.
std::unique_ptr<Backend> make_vulkan_backend(const std::string& device = {}, std::size_t memory_limit = 0);

// What this machine offers: {"available": bool, "reason": why not, "devices": [...]} with each
// device's index, name, type, API version, memory and subgroup support.
nlohmann::json vulkan_devices();

// The index of the best real GPU (discrete, integrated, virtual), or -1 when there is none:
// what `backend: auto` takes. `reason` says why there is none.
int best_vulkan_gpu(std::string* reason = nullptr);

}  // namespace switchboard::local
