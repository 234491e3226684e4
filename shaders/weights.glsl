// Reading one element of a weight matrix in any stored form, exactly as the CPU backend's
// WeightMatrix::dequantize_row does. Bindings 0-2 hold the matrix as uploaded, byte for byte:
// values (f32, f16 or bf16 row-major; or MLX affine uint32 words packing 32/bits values, low
// bits first) and, for the affine forms, per-row per-group scales and biases (f32, f16 or bf16).
// A 16-bit array is read through uint words, so no 16-bit storage feature is needed.

layout(constant_id = 1) const uint FORMAT = 3;       // 0 f32, 1 f16, 2 bf16, 3 affine 4-bit, 4 affine 8-bit
layout(constant_id = 2) const uint SCALE_DTYPE = 2;  // 0 f32, 1 f16, 2 bf16
layout(constant_id = 3) const uint GROUP_SIZE = 64;

layout(std430, binding = 0) readonly buffer WeightValues { uint weight_words[]; };
layout(std430, binding = 1) readonly buffer WeightScales { uint scale_words[]; };
layout(std430, binding = 2) readonly buffer WeightBiases { uint bias_words[]; };

const uint BITS = FORMAT == 3 ? 4 : 8;
const uint PER_WORD = 32 / BITS;
const uint MASK = (1u << BITS) - 1u;

float half_at(uint word, uint which, uint dtype) {
  const uint bits16 = (word >> (16u * which)) & 0xFFFFu;
  if (dtype == 2) return uintBitsToFloat(bits16 << 16);
  return unpackHalf2x16(bits16).x;
}

// Element i of a 16-bit (dtype 1 or 2) or 32-bit (dtype 0) array held in uint words.
float scale_at(uint index) {
  if (SCALE_DTYPE == 0) return uintBitsToFloat(scale_words[index]);
  return half_at(scale_words[index >> 1], index & 1u, SCALE_DTYPE);
}
float bias_at(uint index) {
  if (SCALE_DTYPE == 0) return uintBitsToFloat(bias_words[index]);
  return half_at(bias_words[index >> 1], index & 1u, SCALE_DTYPE);
}

float weight_at(uint row, uint col, uint cols) {
  if (FORMAT == 0) return uintBitsToFloat(weight_words[row * cols + col]);
  if (FORMAT <= 2) {
    const uint index = row * cols + col;
    return half_at(weight_words[index >> 1], index & 1u, FORMAT);
  }
  const uint word = weight_words[row * (cols / PER_WORD) + col / PER_WORD];
  const uint q = (word >> (BITS * (col % PER_WORD))) & MASK;
  const uint group = row * (cols / GROUP_SIZE) + col / GROUP_SIZE;
  return scale_at(group) * float(q) + bias_at(group);
}
