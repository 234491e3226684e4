#pragma once
// How fast this machine reads memory right now: the denominator of decode's roofline
// (tokens/s <= read bandwidth / weight bytes read per token). A shared host's bandwidth moves
// from one minute to the next, so `switchboard bench` measures it beside each repetition
// rather than once, elsewhere.

#include <cstddef>

namespace switchboard::cli {

// The page size the buffer is mapped in. Read in 4 KiB pages, the same buffer measured 15-30 %
// slower than in 2 MiB ones on a Zen 4 (TLB misses): the probe must read the kind of pages the
// weights are read from, or the roofline flatters whichever side has the larger pages.
enum class ProbePages { small, huge };

// Bytes per second of one read of data[0, bytes), `threads` threads each reading its own
// contiguous part front to back, as a decode step reads its weights.
double read_bandwidth(const std::byte* data, std::size_t bytes, int threads);

class ReadBandwidthProbe {
 public:
  static constexpr std::size_t kDefaultBytes = std::size_t{512} << 20;  // far larger than any last-level cache

  // Maps the buffer and touches every page. ProbePages::huge asks the kernel for transparent huge
  // pages (madvise), as the CPU backend does for the weights it reads into memory.
  explicit ReadBandwidthProbe(std::size_t bytes = kDefaultBytes, ProbePages pages = ProbePages::small);
  ~ReadBandwidthProbe();                                           // gives the memory back to the system
  ReadBandwidthProbe(const ReadBandwidthProbe&) = delete;
  ReadBandwidthProbe& operator=(const ReadBandwidthProbe&) = delete;

  // Bytes per second over the best of `passes` reads of the whole buffer, `threads` threads
  // each reading its own contiguous part front to back, as a decode step reads its weights.
  double measure(int threads, int passes = 3) const;
  std::size_t bytes() const { return bytes_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t bytes_ = 0;
  void* mapping_ = nullptr;
  std::size_t mapped_bytes_ = 0;
};

}  // namespace switchboard::cli
