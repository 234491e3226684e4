#version 450
// out[t][r] = Σc w[r][c] · in[t][c] for many tokens (prefill): a workgroup of 256 threads computes
// a tile of 64 rows × 64 tokens, 4 rows × 4 tokens per thread, staging 32 columns of each side in
// shared memory per step. Each dequantized weight is used by 64 tokens. Affine weights are staged
// a word per thread (one scale and bias lookup for its 8 or 4 values); the inner loop reads
// 4 rows and 4 tokens with one 16-byte shared load each.
#include "common.glsl"
#include "weights.glsl"

const uint TILE = 64;
const uint DEPTH = 32;

layout(std430, binding = 3) readonly buffer Input { float x[]; };
layout(std430, binding = 4) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  uint tokens;
  uint in_offset;
  uint out_offset;
} p;

shared vec4 w_tile[DEPTH][TILE / 4];  // [k][rows / 4]
shared vec4 x_tile[DEPTH][TILE / 4];  // [k][tokens / 4]

void main() {
  const uint lane = gl_LocalInvocationID.x;  // WG is 256 for this kernel
  const uint tx = lane % 16, ty = lane / 16;  // rows 4·tx.., tokens 4·ty..
  const uint row0 = gl_WorkGroupID.x * TILE;
  const uint token0 = gl_WorkGroupID.y * TILE;
  // Whole words of DEPTH columns inside one group: stage word by word.
  const bool by_word = FORMAT >= 3 && p.cols % DEPTH == 0 && GROUP_SIZE % DEPTH == 0;
  const uint words_per_step = DEPTH / PER_WORD;  // 4 (4-bit) or 8 (8-bit)
  const uint row_words = p.cols / PER_WORD;
  const uint groups = FORMAT >= 3 ? p.cols / GROUP_SIZE : 0;

  vec4 acc[4];  // acc[j]: token 4·ty + j, rows 4·tx .. 4·tx + 3
  for (uint j = 0; j < 4; ++j) acc[j] = vec4(0.0);

  for (uint k0 = 0; k0 < p.cols; k0 += DEPTH) {
    if (by_word) {
      for (uint e = lane; e < TILE * words_per_step; e += 256) {
        const uint i = e / words_per_step, wi = e % words_per_step;
        const uint row = min(row0 + i, p.rows - 1);  // past the end: a real row, never stored
        const uint word = weight_words[row * row_words + k0 / PER_WORD + wi];
        const uint group = row * groups + k0 / GROUP_SIZE;
        const float scale = scale_at(group), bias = bias_at(group);
        for (uint b = 0; b < PER_WORD; ++b) w_tile[wi * PER_WORD + b][i / 4][i % 4] = scale * float((word >> (BITS * b)) & MASK) + bias;
      }
    } else {
      for (uint e = lane; e < TILE * DEPTH; e += 256) {
        const uint k = e % DEPTH, i = e / DEPTH;
        const uint col = k0 + k, row = row0 + i;
        w_tile[k][i / 4][i % 4] = (row < p.rows && col < p.cols) ? weight_at(row, col, p.cols) : 0.0;
      }
    }
    for (uint e = lane; e < TILE * DEPTH; e += 256) {  // consecutive threads, consecutive columns
      const uint k = e % DEPTH, i = e / DEPTH;
      const uint col = k0 + k, token = token0 + i;
      x_tile[k][i / 4][i % 4] = (token < p.tokens && col < p.cols) ? x[p.in_offset + token * p.cols + col] : 0.0;
    }
    barrier();
    for (uint k = 0; k < DEPTH; ++k) {
      const vec4 a = w_tile[k][tx];
      const vec4 b = x_tile[k][ty];
      acc[0] += a * b.x;
      acc[1] += a * b.y;
      acc[2] += a * b.z;
      acc[3] += a * b.w;
    }
    barrier();
  }

  for (uint j = 0; j < 4; ++j) {
    const uint token = token0 + 4 * ty + j;
    if (token >= p.tokens) continue;
    for (uint i = 0; i < 4; ++i) {
      const uint row = row0 + 4 * tx + i;
      if (row < p.rows) y[p.out_offset + token * p.rows + row] = acc[j][i];
    }
  }
}
