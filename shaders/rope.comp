#version 450
// Rotate-half RoPE in place: one thread per (token, head, pair i < head_dim / 2); token t is at
// first_position + t (a grid-stride loop past 65535 workgroups). sin and cos are computed here with range reduction, since GLSL's builtins
// promise accuracy only within [-π, π] and positions times frequencies reach far beyond.
// With `copies` set it also writes the rotated values to a second place (the key cache), saving
// the copy that would follow.
#include "common.glsl"

layout(std430, binding = 0) buffer Values { float x[]; };
layout(std430, binding = 1) readonly buffer Frequencies { float inverse_frequencies[]; };
layout(std430, binding = 2) writeonly buffer Copy { float copy[]; };
layout(push_constant) uniform Params {
  uint tokens;
  uint heads;
  uint head_dim;
  uint first_position;
  uint offset;
  uint copies;       // 1: also write to copy[]
  uint copy_offset;  // where x[offset] goes
} p;

// Cody-Waite reduction by π/2 (the first part has 8 significant bits, so q · part is exact for
// q < 2^16) and minimax polynomials on [-π/4, π/4].
vec2 sin_cos(float a) {
  const float q = round(a * 0.63661977236758134);
  precise float r = a - q * 1.5703125;
  r = r - q * 4.837512969970703125e-4;
  r = r - q * 7.54978995489188216e-8;
  const float z = r * r;
  const float s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  const float c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  const int quadrant = int(q) & 3;
  if (quadrant == 0) return vec2(s, c);
  if (quadrant == 1) return vec2(c, -s);
  if (quadrant == 2) return vec2(-s, -c);
  return vec2(-c, s);
}

void main() {
  const uint half_dim = p.head_dim / 2;
  const uint total = p.tokens * p.heads * half_dim;
  for (uint index = gl_GlobalInvocationID.x; index < total; index += gl_NumWorkGroups.x * WG) {
  const uint i = index % half_dim;
  const uint head_row = index / half_dim;  // token · heads + head
  const uint token = head_row / p.heads;
  precise const float angle = float(p.first_position + token) * inverse_frequencies[i];
  const vec2 sc = sin_cos(angle);
  const uint base = p.offset + head_row * p.head_dim;
  const float a = x[base + i], b = x[base + i + half_dim];
  const float first = a * sc.y - b * sc.x, second = b * sc.y + a * sc.x;
  x[base + i] = first;
  x[base + i + half_dim] = second;
  if (p.copies != 0) {
    const uint at = p.copy_offset + head_row * p.head_dim;
    copy[at + i] = first;
    copy[at + i + half_dim] = second;
  }
  }
}
