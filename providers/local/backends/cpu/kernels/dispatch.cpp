#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <switchboard/error.hpp>

#include "backends/cpu/kernels/kernels.hpp"

namespace switchboard::local::cpu {
namespace {

// Read from CPUID and XCR0 directly: compilers disagree on which names __builtin_cpu_supports
// knows (clang 14 lacks "f16c"), and the OS must also save the wide registers (XCR0).
struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512vnni = false;
  bool amx_int8 = false;
};

// Linux hands out the 8 KiB of tile state only to a process that asks for it (kernel 5.16 on).
bool tile_state_granted() {
  constexpr long kRequestPermission = 0x1023;  // ARCH_REQ_XCOMP_PERM
  constexpr long kTileData = 18;               // XFEATURE_XTILEDATA
  return syscall(SYS_arch_prctl, kRequestPermission, kTileData) == 0;
}

CpuFeatures read_cpu_features() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = ecx & (1u << 27);
  f.fma = ecx & (1u << 12);
  f.f16c = ecx & (1u << 29);
  if (!osxsave) return {};
  unsigned xcr0_low = 0, xcr0_high = 0;
  __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
  const bool avx_state = (xcr0_low & 0x6) == 0x6;             // SSE and AVX registers
  const bool avx512_state = avx_state && (xcr0_low & 0xE0) == 0xE0;  // opmask and ZMM registers
  if (!avx_state) return {};
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2 = ebx & (1u << 5);
  if (avx512_state) {
    f.avx512f = ebx & (1u << 16);
    f.avx512dq = ebx & (1u << 17);
    f.avx512bw = ebx & (1u << 30);
    f.avx512vl = ebx & (1u << 31);
    f.avx512vnni = ecx & (1u << 11);
  }
  const bool tile_state = (xcr0_low & 0x60000) == 0x60000;  // XTILECFG and XTILEDATA
  f.amx_int8 = tile_state && (edx & (1u << 24)) && (edx & (1u << 25)) && tile_state_granted();
  return f;
}

bool processor_has(KernelPath path) {
  static const CpuFeatures f = read_cpu_features();
  switch (path) {
    case KernelPath::scalar: return true;
    case KernelPath::avx2: return f.avx2 && f.fma && f.f16c;
    case KernelPath::avx512: return processor_has(KernelPath::avx2) && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
    case KernelPath::avx512_vnni: return processor_has(KernelPath::avx512) && f.avx512vnni;
    case KernelPath::avx512_amx: return processor_has(KernelPath::avx512_vnni) && f.amx_int8;
  }
  return false;
}

constexpr KernelPath kAllPaths[] = {KernelPath::scalar, KernelPath::avx2, KernelPath::avx512, KernelPath::avx512_vnni,
                                    KernelPath::avx512_amx};

const Kernels& choose() {
  const char* forced = std::getenv("SWITCHBOARD_CPU_KERNELS");
  if (forced && *forced) {
    for (KernelPath path : kAllPaths)
      if (path_name(path) == std::string(forced)) return kernels_for(path);
    throw Error(ErrorCategory::config,
                "SWITCHBOARD_CPU_KERNELS=" + std::string(forced) + ": expected one of scalar, avx2, avx512, avx512_vnni, avx512_amx");
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
    case KernelPath::avx512_amx: return "avx512_amx";
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
    case KernelPath::avx512_amx: return kAvx512AmxKernels;
  }
  return kScalarKernels;
}

const Kernels& active_kernels() {
  static const Kernels& chosen = choose();
  return chosen;
}

}  // namespace switchboard::local::cpu
