#version 450
// out[r] = in[r] / rms(in[r]) · w (or · (1 + w)): one workgroup per row.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Input { float x[]; };
layout(std430, binding = 1) readonly buffer Weight { float w[]; };
layout(std430, binding = 2) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Params {
  uint dim;
  uint in_offset;
  uint out_offset;
  float eps;
  uint adds_one;
} p;

void main() {
  const uint row = gl_WorkGroupID.x;
  const uint lane = gl_LocalInvocationID.x;
  const uint in_base = p.in_offset + row * p.dim, out_base = p.out_offset + row * p.dim;
  float squares = 0.0;
  for (uint i = lane; i < p.dim; i += WG) squares += x[in_base + i] * x[in_base + i];
  const float inverse_rms = 1.0 / sqrt(workgroup_sum(squares) / float(p.dim) + p.eps);
  // in may equal out: every read of this row happened before the reduction's barrier.
  for (uint i = lane; i < p.dim; i += WG) y[out_base + i] = x[in_base + i] * inverse_rms * (p.adds_one != 0 ? 1.0 + w[i] : w[i]);
}
