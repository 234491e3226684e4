#version 450
// out[t] = row ids[t] of the table (in any stored form) times scale: one thread per value.
#include "common.glsl"
#include "weights.glsl"

layout(std430, binding = 3) readonly buffer Ids { int ids[]; };
layout(std430, binding = 4) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Params {
  uint tokens;
  uint cols;
  uint ids_offset;
  uint out_offset;
  float scale;
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.tokens * p.cols; i += stride) {
    const uint token = i / p.cols, col = i % p.cols;
    const float value = weight_at(uint(ids[p.ids_offset + token]), col, p.cols);
    y[p.out_offset + i] = p.scale != 1.0 ? value * p.scale : value;
  }
}
