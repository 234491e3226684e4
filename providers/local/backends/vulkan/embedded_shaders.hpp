#pragma once
// The SPIR-V of shaders/*.comp, compiled by glslc at build time and linked in as byte arrays
// (shaders/embed_shaders.cmake). Reducing kernels come twice: "<name>" and "<name>_subgroups".

#include <cstddef>
#include <span>

namespace switchboard::local::vk {

struct EmbeddedShader {
  const char* name;
  const unsigned char* spirv;  // 4-byte aligned
  std::size_t bytes;
};

std::span<const EmbeddedShader> embedded_shaders();

}  // namespace switchboard::local::vk
