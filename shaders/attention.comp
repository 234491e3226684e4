#version 450
// Attention over the KV cache, split across positions (flash-decoding): one workgroup per
// (head, slice of the visible keys, query token), so a decode step keeps the whole GPU busy
// instead of one workgroup per head walking the cache alone. A workgroup scores its slice (one key
// per thread at a time, kept in shared memory), takes the slice's maximum and sum, and each thread
// sums the weighted values of its output dimensions. With one slice it writes the answer; with
// several it writes (maximum, sum, unnormalised output) and attention_combine.comp merges them.
// Caches are [position][kv_head][head_dim]; token t is at first_position + t and sees positions
// max(0, position - window + 1) .. position.
#include "common.glsl"

const uint MAX_SLICE = 1024;  // keys per slice: the host never asks for more

layout(std430, binding = 0) readonly buffer Queries { float q[]; };
layout(std430, binding = 1) readonly buffer Keys { float k[]; };
layout(std430, binding = 1) readonly buffer Keys4 { vec4 k4[]; };
layout(std430, binding = 2) readonly buffer Values { float v[]; };
layout(std430, binding = 3) writeonly buffer Output { float o[]; };
layout(std430, binding = 4) writeonly buffer Partials { float part[]; };
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
  uint slice;   // keys per slice
  uint slices;  // slices per (token, head); 1: the output is written directly
} p;

shared float query[256];  // head_dim <= 256
shared float scores[MAX_SLICE];

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint head = gl_WorkGroupID.x;
  const uint which = gl_WorkGroupID.y;
  const uint token = gl_WorkGroupID.z;
  const uint position = p.first_position + token;
  const uint first = p.window > 0 && position + 1 > p.window ? position + 1 - p.window : 0;
  const uint kv_head = head / (p.heads / p.kv_heads);
  const uint kv_stride = p.kv_heads * p.head_dim;
  const uint q_base = p.q_offset + (token * p.heads + head) * p.head_dim;
  const uint begin = first + which * p.slice;
  const uint end = min(begin + p.slice, position + 1);  // may be <= begin: this token sees fewer slices
  const uint vec_dim = p.head_dim / 4;
  // Keys as vec4s where every row starts 16-byte aligned.
  const bool aligned = (p.k_offset & 3u) == 0 && (p.head_dim & 3u) == 0;

  for (uint d = lane; d < p.head_dim; d += WG) query[d] = q[q_base + d];
  barrier();

  float local_max = -1.0 / 0.0;
  for (uint key = begin + lane; key < end; key += WG) {
    const uint k_base = p.k_offset + key * kv_stride + kv_head * p.head_dim;
    float score = 0.0;
    if (aligned) {
      for (uint i = 0; i < vec_dim; ++i)
        score += dot(vec4(query[4 * i], query[4 * i + 1], query[4 * i + 2], query[4 * i + 3]), k4[(k_base >> 2) + i]);
    } else {
      for (uint d = 0; d < p.head_dim; ++d) score += query[d] * k[k_base + d];
    }
    score *= p.scale;
    if (p.softcap > 0.0) score = p.softcap * stable_tanh(score / p.softcap);
    scores[key - begin] = score;
    local_max = max(local_max, score);
  }
  const float slice_max = workgroup_max(local_max);  // its barrier also publishes the scores
  float local_sum = 0.0;
  for (uint key = begin + lane; key < end; key += WG) {
    const float weight = exp(scores[key - begin] - slice_max);
    scores[key - begin] = weight;
    local_sum += weight;
  }
  const float slice_sum = workgroup_sum(local_sum);

  const uint count = end > begin ? end - begin : 0;
  const uint v_base = p.v_offset + begin * kv_stride + kv_head * p.head_dim;
  for (uint d = lane; d < p.head_dim; d += WG) {
    float sum = 0.0;
    for (uint j = 0; j < count; ++j) sum += scores[j] * v[v_base + j * kv_stride + d];
    if (p.slices == 1) {
      o[p.out_offset + (token * p.heads + head) * p.head_dim + d] = sum / slice_sum;
    } else {
      part[((token * p.heads + head) * p.slices + which) * (p.head_dim + 2) + 2 + d] = sum;
    }
  }
  if (p.slices > 1 && lane == 0) {
    const uint at = ((token * p.heads + head) * p.slices + which) * (p.head_dim + 2);
    part[at] = count > 0 ? slice_max : -1.0 / 0.0;
    part[at + 1] = count > 0 ? slice_sum : 0.0;
  }
}
