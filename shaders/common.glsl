// Shared by every kernel: the workgroup size (specialization constant 0) and reductions across
// the workgroup, through subgroup operations when the device has them (SUBGROUPS defined at
// compile time; each kernel is built both ways) and through shared memory when it has not.

#extension GL_GOOGLE_include_directive : require
#ifdef SUBGROUPS
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#endif

layout(constant_id = 0) const uint WG = 64;  // a power of two
layout(local_size_x_id = 0) in;

shared float reduce_scratch[WG];

float workgroup_sum(float value) {
#ifdef SUBGROUPS
  value = subgroupAdd(value);
  if (subgroupElect()) reduce_scratch[gl_SubgroupID] = value;
  barrier();
  float total = 0;
  for (uint i = 0; i < gl_NumSubgroups; ++i) total += reduce_scratch[i];
  barrier();
  return total;
#else
  const uint lane = gl_LocalInvocationID.x;
  reduce_scratch[lane] = value;
  barrier();
  for (uint stride = WG / 2; stride > 0; stride >>= 1) {
    if (lane < stride) reduce_scratch[lane] += reduce_scratch[lane + stride];
    barrier();
  }
  const float total = reduce_scratch[0];
  barrier();
  return total;
#endif
}

float workgroup_max(float value) {
#ifdef SUBGROUPS
  value = subgroupMax(value);
  if (subgroupElect()) reduce_scratch[gl_SubgroupID] = value;
  barrier();
  float highest = reduce_scratch[0];
  for (uint i = 1; i < gl_NumSubgroups; ++i) highest = max(highest, reduce_scratch[i]);
  barrier();
  return highest;
#else
  const uint lane = gl_LocalInvocationID.x;
  reduce_scratch[lane] = value;
  barrier();
  for (uint stride = WG / 2; stride > 0; stride >>= 1) {
    if (lane < stride) reduce_scratch[lane] = max(reduce_scratch[lane], reduce_scratch[lane + stride]);
    barrier();
  }
  const float highest = reduce_scratch[0];
  barrier();
  return highest;
#endif
}

// tanh without overflow for large |x| (exp(2x) would reach infinity).
float stable_tanh(float x) {
  const float t = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - t) / (1.0 + t);
}
