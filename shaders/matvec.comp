#version 450
// out[t][r] = Σc w[r][c] · in[t][c] for a few tokens (decode). Decode is bound by reading the
// weights, so this kernel is built to stream them: a team of 32 threads shares ROWS rows, each
// thread taking 16-byte blocks of them (32 4-bit or 16 8-bit values, always inside one group) so
// a team's loads are 512 contiguous bytes of each row. A thread reads its slice of the input once
// for all ROWS rows, and the values of a block that share a scale and bias dot as
// scale·Σq·x + bias·Σx. The 4/8-bit values are not shifted down: a value masked in place is
// q·2^(bits·k), so it multiplies an input pre-scaled by 2^-(bits·k) (exact: a power of two).
// A workgroup is WG / 32 teams; gl_WorkGroupID.y takes TOKENS tokens at a time.
// Optionally (flags) it adds a bias to each output, and adds each output to a residual stream:
// the backend folds the add_bias / add that follow a projection into it, saving a dispatch each.
#include "common.glsl"
#include "weights.glsl"

layout(constant_id = 4) const uint ROWS = 1;    // rows per team
layout(constant_id = 5) const uint TOKENS = 1;  // tokens per workgroup
const uint TEAM = 32;
const uint TEAMS = WG / TEAM;

// The values again, as 16-byte blocks (the weight's range starts 256-byte aligned).
layout(std430, binding = 0) readonly buffer WeightBlocks { uvec4 weight_blocks[]; };
layout(std430, binding = 3) readonly buffer Input { float x[]; };
layout(std430, binding = 3) readonly buffer Input4 { vec4 x4[]; };
layout(std430, binding = 4) writeonly buffer Output { float y[]; };
layout(std430, binding = 5) readonly buffer Bias { float bias_of_row[]; };
layout(std430, binding = 6) buffer Residual { float residual[]; };
layout(push_constant) uniform Params {
  uint rows;
  uint cols;
  uint tokens;
  uint in_offset;
  uint out_offset;
  uint row_base;  // dispatches of more than 65535 workgroups are split
  uint flags;     // 1: add bias_of_row[row]; 2: residual[residual_offset + t·rows + row] += the output
  uint residual_offset;
} p;

shared float partial[WG * ROWS * TOKENS];

// 4 consecutive inputs from `index`: one 16-byte load where the offset allows it.
vec4 input4(uint index) {
  if ((p.in_offset & 3u) == 0) return x4[index >> 2];
  return vec4(x[index], x[index + 1], x[index + 2], x[index + 3]);
}

// Σk q_k · x_k over the PER_WORD values of `word`, given inputs pre-scaled by 2^-(BITS·k).
float dot_word(uint word, vec4 lo, vec4 hi) {
  if (BITS == 4) {
    return float(word & 0x0000000Fu) * lo.x + float(word & 0x000000F0u) * lo.y + float(word & 0x00000F00u) * lo.z +
           float(word & 0x0000F000u) * lo.w + float(word & 0x000F0000u) * hi.x + float(word & 0x00F00000u) * hi.y +
           float(word & 0x0F000000u) * hi.z + float(word & 0xF0000000u) * hi.w;
  }
  return float(word & 0x000000FFu) * lo.x + float(word & 0x0000FF00u) * lo.y + float(word & 0x00FF0000u) * lo.z +
         float(word & 0xFF000000u) * lo.w;
}

// 2^-(BITS·k) for the values k of a word, four at a time (plain constants: a vector constant
// chosen by a specialization constant was miscompiled).
const vec4 NIBBLES_LO = vec4(1.0, 1.0 / 16.0, 1.0 / 256.0, 1.0 / 4096.0);
const vec4 NIBBLES_HI = vec4(1.0 / 65536.0, 1.0 / 1048576.0, 1.0 / 16777216.0, 1.0 / 268435456.0);
const vec4 BYTES = vec4(1.0, 1.0 / 256.0, 1.0 / 65536.0, 1.0 / 16777216.0);

void main() {
  const uint lane = gl_LocalInvocationID.x % TEAM;
  const uint team = gl_LocalInvocationID.x / TEAM;
  const uint first_row = p.row_base + (gl_WorkGroupID.x * TEAMS + team) * ROWS;
  const uint first_token = gl_WorkGroupID.y * TOKENS;
  const uint token_count = min(TOKENS, p.tokens - first_token);

  float acc[ROWS * TOKENS];
  for (uint i = 0; i < ROWS * TOKENS; ++i) acc[i] = 0.0;

  // Loops over rows and tokens have constant bounds (guards inside), so the compiler unrolls them
  // and acc stays in registers; a runtime bound made it a local-memory array (4x slower on H100).
  uint row_of[ROWS];
  for (uint r = 0; r < ROWS; ++r) row_of[r] = min(first_row + r, p.rows - 1);  // past the end: recomputed, not stored

  const uint groups = FORMAT >= 3 ? p.cols / GROUP_SIZE : 0;
  if (FORMAT >= 3 && p.cols % (4 * PER_WORD) == 0) {
    const uint blocks = p.cols / (4 * PER_WORD);
    for (uint bi = lane; bi < blocks; bi += TEAM) {
      const uint c0 = bi * 4 * PER_WORD;
      uvec4 block[ROWS];
      float scale[ROWS], bias[ROWS];
      for (uint r = 0; r < ROWS; ++r) {
        block[r] = weight_blocks[row_of[r] * blocks + bi];
        const uint group = row_of[r] * groups + c0 / GROUP_SIZE;
        scale[r] = scale_at(group);
        bias[r] = bias_at(group);
      }
      for (uint t = 0; t < TOKENS; ++t) {
        if (t >= token_count) break;
        const uint base = p.in_offset + (first_token + t) * p.cols + c0;
        // This thread's inputs for the block: 4 words of PER_WORD values (8 or 4 vec4s).
        vec4 xs[8];
        float sx = 0.0;
        for (uint i = 0; i < PER_WORD; ++i) {
          const vec4 v = input4(base + 4 * i);
          sx += v.x + v.y + v.z + v.w;
          if (BITS == 4) xs[i] = v * ((i & 1u) == 0 ? NIBBLES_LO : NIBBLES_HI);
          else xs[i] = v * BYTES;
        }
        for (uint r = 0; r < ROWS; ++r) {
          float qx = 0.0;
          for (uint j = 0; j < 4; ++j)
            qx += BITS == 4 ? dot_word(block[r][j], xs[2 * j], xs[2 * j + 1]) : dot_word(block[r][j], xs[j], xs[j]);
          acc[r * TOKENS + t] += scale[r] * qx + bias[r] * sx;
        }
      }
    }
  } else if (FORMAT >= 3) {
    // Rows that are not whole 16-byte blocks: word by word.
    const uint words = p.cols / PER_WORD;
    for (uint wi = lane; wi < words; wi += TEAM) {
      const uint c0 = wi * PER_WORD;
      for (uint r = 0; r < ROWS; ++r) {
        const uint word = weight_words[row_of[r] * words + wi];
        const uint group = row_of[r] * groups + c0 / GROUP_SIZE;
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
    }
  } else {
    for (uint c = lane; c < p.cols; c += TEAM) {
      for (uint r = 0; r < ROWS; ++r) {
        const float wv = weight_at(row_of[r], c, p.cols);
        for (uint t = 0; t < TOKENS; ++t)
          if (t < token_count) acc[r * TOKENS + t] += wv * x[p.in_offset + (first_token + t) * p.cols + c];
      }
    }
  }

  // Sum each accumulator over the team's 32 threads.
  const uint values = ROWS * TOKENS;
  const uint me = gl_LocalInvocationID.x;
  bool reduced = false;
#ifdef SUBGROUPS
  if (gl_SubgroupSize <= TEAM) {  // each subgroup lies inside one team: add there, then across the team's subgroups
    for (uint i = 0; i < values; ++i) {
      const float s = subgroupAdd(acc[i]);
      if (subgroupElect()) partial[gl_SubgroupID * values + i] = s;
    }
    barrier();
    const uint per_team = TEAM / gl_SubgroupSize;
    if (lane < values) {
      float total = 0.0;
      for (uint s = 0; s < per_team; ++s) total += partial[(team * per_team + s) * values + lane];
      acc[0] = total;
    }
    reduced = true;
  }
#endif
  if (!reduced) {
    for (uint i = 0; i < values; ++i) partial[me * values + i] = acc[i];
    barrier();
    for (uint stride = TEAM / 2; stride > 0; stride >>= 1) {
      if (lane < stride)
        for (uint i = 0; i < values; ++i) partial[me * values + i] += partial[(me + stride) * values + i];
      barrier();
    }
    if (lane < values) acc[0] = partial[team * TEAM * values + lane];
  }
  if (lane < values) {
    const uint r = lane / TOKENS, t = lane % TOKENS;
    const uint row = first_row + r, token = first_token + t;
    if (row < p.rows && t < token_count) {
      const float value = (p.flags & 1u) != 0 ? acc[0] + bias_of_row[row] : acc[0];
      y[p.out_offset + token * p.rows + row] = value;
      if ((p.flags & 2u) != 0) residual[p.residual_offset + token * p.rows + row] += value;
    }
  }
}
