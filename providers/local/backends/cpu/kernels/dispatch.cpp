#include <cstdlib>
#include <string>

#include <switchboard/error.hpp>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

bool processor_has(KernelPath path) {
  switch (path) {
    case KernelPath::scalar: return true;
    case KernelPath::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    case KernelPath::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
    case KernelPath::avx512_vnni: return processor_has(KernelPath::avx512) && __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

constexpr KernelPath kAllPaths[] = {KernelPath::scalar, KernelPath::avx2, KernelPath::avx512, KernelPath::avx512_vnni};

const Kernels& choose() {
  const char* forced = std::getenv("SWITCHBOARD_CPU_KERNELS");
  if (forced && *forced) {
    for (KernelPath path : kAllPaths)
      if (path_name(path) == std::string(forced)) return kernels_for(path);
    throw Error(ErrorCategory::config,
                "SWITCHBOARD_CPU_KERNELS=" + std::string(forced) + ": expected one of scalar, avx2, avx512, avx512_vnni");
  }
  return kernels_for(supported_paths().back());
}

}  // namespace

const char* path_name(KernelPath path) {
  switch (path) {
    case KernelPath::scalar: return "scalar";
    case KernelPath::avx2: return "avx2";
    case KernelPath::avx512: return "avx512";
    case KernelPath::avx512_vnni: return "avx512_vnni";
  }
  return "?";
}

bool integer_product_fits(const WeightMatrix& w) {
  return w.quantized() && w.cols % 64 == 0 && (w.group_size == 32 || w.group_size == 64 || w.group_size == 128);
}

std::vector<KernelPath> supported_paths() {
  std::vector<KernelPath> paths;
  for (KernelPath path : kAllPaths)
    if (processor_has(path)) paths.push_back(path);
  return paths;
}

const Kernels& kernels_for(KernelPath path) {
  if (!processor_has(path))
    throw Error(ErrorCategory::config, std::string("this processor lacks the instructions of the ") + path_name(path) + " kernels");
  switch (path) {
    case KernelPath::scalar: return kScalarKernels;
    case KernelPath::avx2: return kAvx2Kernels;
    case KernelPath::avx512: return kAvx512Kernels;
    case KernelPath::avx512_vnni: return kAvx512VnniKernels;
  }
  return kScalarKernels;
}

const Kernels& active_kernels() {
  static const Kernels& chosen = choose();
  return chosen;
}

}  // namespace switchboard::local::cpu
