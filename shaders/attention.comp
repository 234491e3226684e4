#version 450
// Attention over the KV cache: one workgroup per (query token, head). Keys are taken WG at a time
// (one per thread: its score), with a running maximum and sum (online softmax) so any sequence
// length fits; each thread accumulates up to 4 dimensions of the output (head_dim <= 4 · WG).
// Caches are [position][kv_head][head_dim]; token t is at first_position + t and sees positions
// max(0, position - window + 1) .. position.
#include "common.glsl"

layout(std430, binding = 0) readonly buffer Queries { float q[]; };
layout(std430, binding = 1) readonly buffer Keys { float k[]; };
layout(std430, binding = 2) readonly buffer Values { float v[]; };
layout(std430, binding = 3) writeonly buffer Output { float o[]; };
layout(push_constant) uniform Params {
  uint q_offset;
  uint k_offset;
  uint v_offset;
  uint out_offset;
  uint heads;
  uint kv_heads;
  uint head_dim;
  uint first_position;
  uint window;
  float scale;
  float softcap;
} p;

shared float query[256 * 4];
shared float weights[WG];

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint head = gl_WorkGroupID.x;
  const uint token = gl_WorkGroupID.y;
  const uint position = p.first_position + token;
  const uint first = p.window > 0 && position + 1 > p.window ? position + 1 - p.window : 0;
  const uint kv_head = head / (p.heads / p.kv_heads);
  const uint kv_stride = p.kv_heads * p.head_dim;
  const uint q_base = p.q_offset + (token * p.heads + head) * p.head_dim;

  for (uint d = lane; d < p.head_dim; d += WG) query[d] = q[q_base + d];
  barrier();

  float acc[4] = float[4](0.0, 0.0, 0.0, 0.0);
  float running_max = -1.0 / 0.0;
  float running_sum = 0.0;
  for (uint block = first; block <= position; block += WG) {
    const uint key = block + lane;
    float score = -1.0 / 0.0;
    if (key <= position) {
      const uint k_base = p.k_offset + key * kv_stride + kv_head * p.head_dim;
      float dot_qk = 0.0;
      for (uint d = 0; d < p.head_dim; ++d) dot_qk += query[d] * k[k_base + d];
      score = dot_qk * p.scale;
      if (p.softcap > 0.0) score = p.softcap * stable_tanh(score / p.softcap);
    }
    const float new_max = max(running_max, workgroup_max(score));
    const float weight = key <= position ? exp(score - new_max) : 0.0;
    const float rescale = exp(running_max - new_max);
    running_sum = running_sum * rescale + workgroup_sum(weight);
    running_max = new_max;
    weights[lane] = weight;
    barrier();
    const uint block_keys = min(WG, position + 1 - block);
    for (uint i = 0; i < 4; ++i) {
      const uint d = lane + i * WG;
      if (d >= p.head_dim) break;
      float sum = acc[i] * rescale;
      for (uint j = 0; j < block_keys; ++j) sum += weights[j] * v[p.v_offset + (block + j) * kv_stride + kv_head * p.head_dim + d];
      acc[i] = sum;
    }
    barrier();
  }
  const uint out_base = p.out_offset + (token * p.heads + head) * p.head_dim;
  for (uint i = 0; i < 4; ++i) {
    const uint d = lane + i * WG;
    if (d < p.head_dim) o[out_base + d] = acc[i] / running_sum;
  }
}
