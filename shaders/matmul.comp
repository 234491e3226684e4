#version 450
// out[t][r] = Σc w[r][c] · in[t][c] for many tokens (prefill): a workgroup of 256 threads computes
// a tile of 64 rows × 64 tokens, 4 × 4 per thread, staging 16 columns of each side in shared
// memory per step (weights dequantized as they are staged).
#include "common.glsl"
#include "weights.glsl"

const uint TILE = 64;
const uint DEPTH = 16;

layout(std430, binding = 3) readonly buffer Input { float x[]; };
layout(std430, binding = 4) writeonly buffer Output { float y[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  uint tokens;
  uint in_offset;
  uint out_offset;
} p;

shared float w_tile[DEPTH][TILE + 1];
shared float x_tile[DEPTH][TILE + 1];

void main() {
  const uint lane = gl_LocalInvocationID.x;  // WG is 256 for this kernel
  const uint tx = lane % 16, ty = lane / 16;  // tx: rows, so stores of a row run are contiguous
  const uint row0 = gl_WorkGroupID.x * TILE;
  const uint token0 = gl_WorkGroupID.y * TILE;

  float acc[4][4];
  for (uint i = 0; i < 4; ++i)
    for (uint j = 0; j < 4; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < p.cols; k0 += DEPTH) {
    // 64 × 16 of each side, 4 elements per thread; consecutive threads take consecutive columns.
    for (uint e = lane; e < TILE * DEPTH; e += 256) {
      const uint k = e % DEPTH, i = e / DEPTH;
      const uint col = k0 + k;
      const uint row = row0 + i, token = token0 + i;
      w_tile[k][i] = (row < p.rows && col < p.cols) ? weight_at(row, col, p.cols) : 0.0;
      x_tile[k][i] = (token < p.tokens && col < p.cols) ? x[p.in_offset + token * p.cols + col] : 0.0;
    }
    barrier();
    for (uint k = 0; k < DEPTH; ++k) {
      float a[4], b[4];
      for (uint i = 0; i < 4; ++i) a[i] = w_tile[k][tx + 16 * i];
      for (uint j = 0; j < 4; ++j) b[j] = x_tile[k][ty + 16 * j];
      for (uint i = 0; i < 4; ++i)
        for (uint j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  for (uint i = 0; i < 4; ++i) {
    const uint row = row0 + tx + 16 * i;
    if (row >= p.rows) continue;
    for (uint j = 0; j < 4; ++j) {
      const uint token = token0 + ty + 16 * j;
      if (token < p.tokens) y[p.out_offset + token * p.rows + row] = acc[i][j];
    }
  }
}
