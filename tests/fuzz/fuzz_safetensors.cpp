// Fuzzes SafetensorsFile on arbitrary file contents.
//
// SafetensorsFile memory-maps a path, so each input is written to one scratch file per process
// (in $TMPDIR, else /dev/shm) and opened from there. A file that opens must hand out only byte
// ranges that lie inside the mapping and match each tensor's dtype and shape; every range's first
// and last byte is read so AddressSanitizer sees any that do not.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <switchboard/error.hpp>

#include "fuzz_support.hpp"
#include "model/safetensors.hpp"

namespace {

// Removed again when the fuzzer exits normally; after a crash it stays for inspection.
struct ScratchFile {
  std::filesystem::path path;
  ScratchFile() {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::filesystem::path folder = tmpdir && *tmpdir ? tmpdir : "/dev/shm";
    path = folder / ("switchboard-fuzz-safetensors-" + std::to_string(::getpid()) + ".safetensors");
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ScratchFile scratch;
  const std::filesystem::path& path = scratch.path;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    fuzz_check(out.good());
  }
  try {
    const switchboard::local::SafetensorsFile file(path);
    fuzz_check(file.size_bytes() == size);
    volatile unsigned sink = 0;
    for (const auto& [name, tensor] : file.tensors()) {
      fuzz_check(name == tensor.name);
      const int64_t elements = tensor.elements();
      fuzz_check(elements >= 0);
      fuzz_check(tensor.bytes.size() == static_cast<size_t>(elements) * switchboard::local::dtype_size(tensor.dtype));
      if (!tensor.bytes.empty()) {
        sink = sink + static_cast<unsigned>(tensor.bytes.front()) + static_cast<unsigned>(tensor.bytes.back());
      }
      tensor.describe();
    }
    for (const auto& [key, value] : file.metadata()) sink = sink + static_cast<unsigned>(key.size() + value.size());
  } catch (const switchboard::Error&) {
  }
  return 0;
}
