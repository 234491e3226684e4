#version 450
// Merges the slices attention.comp wrote for each (query token, head): with M the largest slice
// maximum, out = Σ acc_s·e^(m_s - M) / Σ l_s·e^(m_s - M). One workgroup per (head, token).
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Partials { float part[]; };
layout(std430, binding = 1) writeonly buffer Output { float o[]; };
layout(push_constant) uniform Params {
  uint out_offset;
  uint heads;
  uint head_dim;
  uint slices;
} p;

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint head = gl_WorkGroupID.x;
  const uint token = gl_WorkGroupID.y;
  const uint stride = p.head_dim + 2;
  const uint base = (token * p.heads + head) * p.slices * stride;
  float highest = -1.0 / 0.0;
  for (uint s = 0; s < p.slices; ++s) highest = max(highest, part[base + s * stride]);
  float total = 0.0;
  for (uint s = 0; s < p.slices; ++s) {
    const float m = part[base + s * stride];
    if (m > -1.0 / 0.0) total += part[base + s * stride + 1] * exp(m - highest);
  }
  for (uint d = lane; d < p.head_dim; d += WG) {
    float sum = 0.0;
    for (uint s = 0; s < p.slices; ++s) {
      const float m = part[base + s * stride];
      if (m > -1.0 / 0.0) sum += part[base + s * stride + 2 + d] * exp(m - highest);
    }
    o[p.out_offset + (token * p.heads + head) * p.head_dim + d] = sum / total;
  }
}
