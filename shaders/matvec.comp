#version 450
// out[t][r] = Σc w[r][c] · in[t][c] for a few tokens (decode): a workgroup computes ROWS rows for
// up to 4 tokens (the 4 from 4·gl_WorkGroupID.y), reading each weight once. Threads take
// consecutive 16-byte blocks of a row (4 words: 32 4-bit or 16 8-bit values, always inside one
// group) so a subgroup's loads are contiguous and wide; values sharing a scale and bias dot as
// scale·Σq·x + bias·Σx. Decode is bound by reading the weights: this is the kernel that matters.
#include "common.glsl"
#include "weights.glsl"

layout(constant_id = 4) const uint ROWS = 2;
const uint TOKENS = 4;

// The values again, as 16-byte blocks (the weight's range starts 256-byte aligned).
layout(std430, binding = 0) readonly buffer WeightBlocks { uvec4 weight_blocks[]; };
layout(std430, binding = 3) readonly buffer Input { float x[]; };
layout(std430, binding = 4) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  uint tokens;
  uint in_offset;
  uint out_offset;
  uint row_base;  // dispatches of more than 65535 workgroups are split
} p;

shared float partial[WG * ROWS * TOKENS];

void main() {
  const uint lane = gl_LocalInvocationID.x;
  const uint first_row = p.row_base + gl_WorkGroupID.x * ROWS;
  const uint first_token = gl_WorkGroupID.y * TOKENS;
  const uint token_count = min(TOKENS, p.tokens - first_token);

  float acc[ROWS * TOKENS];
  for (uint i = 0; i < ROWS * TOKENS; ++i) acc[i] = 0.0;

  // Loops over rows and tokens have constant bounds (guards inside), so the compiler unrolls them
  // and acc stays in registers; a runtime bound made it a local-memory array (4x slower on H100).
  for (uint r = 0; r < ROWS; ++r) {
    const uint row = min(first_row + r, p.rows - 1);  // past the end: recompute the last row, not stored
    if (FORMAT >= 3 && p.cols % (4 * PER_WORD) == 0) {
      const uint blocks = p.cols / (4 * PER_WORD);
      const uint groups = p.cols / GROUP_SIZE;
      for (uint bi = lane; bi < blocks; bi += WG) {
        const uvec4 block = weight_blocks[row * blocks + bi];
        const uint c0 = bi * 4 * PER_WORD;
        const uint group = row * groups + c0 / GROUP_SIZE;
        const float scale = scale_at(group), bias = bias_at(group);
        for (uint t = 0; t < TOKENS; ++t) {
          if (t >= token_count) break;
          const uint base = p.in_offset + (first_token + t) * p.cols + c0;
          float qx = 0.0, sx = 0.0;
          for (uint j = 0; j < 4; ++j) {
            const uint word = block[j];
            for (uint k = 0; k < PER_WORD; ++k) {
              const float xv = x[base + j * PER_WORD + k];
              qx += float((word >> (BITS * k)) & MASK) * xv;
              sx += xv;
            }
          }
          acc[r * TOKENS + t] += scale * qx + bias * sx;
        }
      }
    } else if (FORMAT >= 3) {
      const uint words = p.cols / PER_WORD;
      const uint groups = p.cols / GROUP_SIZE;
      for (uint wi = lane; wi < words; wi += WG) {
        const uint word = weight_words[row * words + wi];
        const uint c0 = wi * PER_WORD;
        const uint group = row * groups + c0 / GROUP_SIZE;
        const float scale = scale_at(group), bias = bias_at(group);
        for (uint t = 0; t < TOKENS; ++t) {
          if (t >= token_count) break;
          const uint base = p.in_offset + (first_token + t) * p.cols + c0;
          float qx = 0.0, sx = 0.0;
          for (uint k = 0; k < PER_WORD; ++k) {
            const float xv = x[base + k];
            qx += float((word >> (BITS * k)) & MASK) * xv;
            sx += xv;
          }
          acc[r * TOKENS + t] += scale * qx + bias * sx;
        }
      }
    } else {
      for (uint c = lane; c < p.cols; c += WG) {
        const float wv = weight_at(row, c, p.cols);
        for (uint t = 0; t < TOKENS; ++t)
          if (t < token_count) acc[r * TOKENS + t] += wv * x[p.in_offset + (first_token + t) * p.cols + c];
      }
    }
  }

#ifdef SUBGROUPS
  for (uint i = 0; i < ROWS * TOKENS; ++i) {
    const float s = subgroupAdd(acc[i]);
    if (subgroupElect()) partial[gl_SubgroupID * ROWS * TOKENS + i] = s;
  }
  barrier();
  if (lane < ROWS * TOKENS) {
    float total = 0.0;
    for (uint s = 0; s < gl_NumSubgroups; ++s) total += partial[s * ROWS * TOKENS + lane];
    const uint r = lane / TOKENS, t = lane % TOKENS;
    if (first_row + r < p.rows && t < token_count) y[p.out_offset + (first_token + t) * p.rows + first_row + r] = total;
  }
#else
  for (uint i = 0; i < ROWS * TOKENS; ++i) partial[lane * ROWS * TOKENS + i] = acc[i];
  barrier();
  for (uint stride = WG / 2; stride > 0; stride >>= 1) {
    if (lane < stride)
      for (uint i = 0; i < ROWS * TOKENS; ++i) partial[lane * ROWS * TOKENS + i] += partial[(lane + stride) * ROWS * TOKENS + i];
    barrier();
  }
  if (lane < ROWS * TOKENS) {
    const uint r = lane / TOKENS, t = lane % TOKENS;
    if (first_row + r < p.rows && t < token_count) y[p.out_offset + (first_token + t) * p.rows + first_row + r] = partial[lane];
  }
#endif
}
