#version 450
// The elementwise operations, one per `op`, one thread per value (a grid-stride loop past
// 65535 workgroups): a and b are inputs, c the output (or the value changed in place).
#include "common.glsl"

layout(std430, binding = 0) buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) buffer C { float c[]; };
layout(push_constant) uniform Params {
  uint n;
  uint a_offset;
  uint b_offset;
  uint c_offset;
  uint op;     // 0 silu(a)·b → c, 1 gelu_tanh(a)·b → c, 2 a += b, 3 a += b[i % width], 4 c = a, 5 a = cap·tanh(a / cap)
  uint width;
  float cap;
} p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    const uint ai = p.a_offset + i;
    if (p.op == 0) {
      const float g = a[ai];
      c[p.c_offset + i] = g / (1.0 + exp(-g)) * b[p.b_offset + i];
    } else if (p.op == 1) {
      const float g = a[ai];
      c[p.c_offset + i] = 0.5 * g * (1.0 + stable_tanh(0.7978845608028654 * (g + 0.044715 * g * g * g))) * b[p.b_offset + i];
    } else if (p.op == 2) {
      a[ai] += b[p.b_offset + i];
    } else if (p.op == 3) {
      a[ai] += b[p.b_offset + i % p.width];
    } else if (p.op == 4) {
      c[p.c_offset + i] = a[ai];
    } else {
      a[ai] = p.cap * stable_tanh(a[ai] / p.cap);
    }
  }
}
