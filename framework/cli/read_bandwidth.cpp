#include "read_bandwidth.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <thread>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace switchboard::cli {
namespace {

// The loop our decode kernels stream with: four independent sums, and a software prefetch a
// couple of kilobytes ahead. Without the prefetch a read loop reaches 70-80% of what the
// kernels do, and the roofline would flatter them.
std::uint64_t sum_range(const std::byte* begin, const std::byte* end) {
#if defined(__SSE2__)
  __m128i a = _mm_setzero_si128(), b = a, c = a, d = a;
  for (const std::byte* p = begin; p + 64 <= end; p += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(p) + 2048, _MM_HINT_T0);
    a = _mm_add_epi64(a, _mm_load_si128(reinterpret_cast<const __m128i*>(p)));
    b = _mm_add_epi64(b, _mm_load_si128(reinterpret_cast<const __m128i*>(p + 16)));
    c = _mm_add_epi64(c, _mm_load_si128(reinterpret_cast<const __m128i*>(p + 32)));
    d = _mm_add_epi64(d, _mm_load_si128(reinterpret_cast<const __m128i*>(p + 48)));
  }
  const __m128i total = _mm_add_epi64(_mm_add_epi64(a, b), _mm_add_epi64(c, d));
  return static_cast<std::uint64_t>(_mm_cvtsi128_si64(total)) +
         static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total)));
#else
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  for (const std::byte* p = begin; p + 32 <= end; p += 32) {
    std::uint64_t v[4];
    std::memcpy(v, p, sizeof v);
    a += v[0], b += v[1], c += v[2], d += v[3];
  }
  return a + b + c + d;
#endif
}

}  // namespace

ReadBandwidthProbe::ReadBandwidthProbe(std::size_t bytes, ProbePages pages) {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  bytes_ = bytes / kHugePage * kHugePage;
  mapped_bytes_ = bytes_ + kHugePage;  // room to start on a huge page boundary
  mapping_ = ::mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) throw std::bad_alloc();
  data_ = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(mapping_) + kHugePage - 1) / kHugePage * kHugePage);
  // A hint, as for the weights: where the kernel declines, the probe reads small pages, like them.
  if (pages == ProbePages::huge) ::madvise(data_, bytes_, MADV_HUGEPAGE);
  // Distinct values on every page: untouched anonymous pages would all be the one shared zero page.
  for (std::size_t offset = 0; offset < bytes_; offset += 8) {
    const std::uint64_t value = offset;
    std::memcpy(data_ + offset, &value, 8);
  }
}

ReadBandwidthProbe::~ReadBandwidthProbe() { ::munmap(mapping_, mapped_bytes_); }

double read_bandwidth(const std::byte* data, std::size_t bytes, int threads) {
  threads = std::max(1, threads);
  const std::size_t share = bytes / static_cast<std::size_t>(threads) / 64 * 64;
  std::vector<std::uint64_t> sums(static_cast<std::size_t>(threads));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back([&, t] { sums[t] = sum_range(data + t * share, data + (t + 1) * share); });
  sums[0] = sum_range(data, data + share);
  for (auto& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The sums must be used, or the reads could be optimized away.
  if (std::all_of(sums.begin(), sums.end(), [](std::uint64_t s) { return s == 1; })) return 0;
  return static_cast<double>(share * threads) / seconds;
}

double ReadBandwidthProbe::measure(int threads, int passes) const {
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) best = std::max(best, read_bandwidth(data_, bytes_, threads));
  return best;
}

}  // namespace switchboard::cli
