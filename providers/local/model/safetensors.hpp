#pragma once
// A .safetensors file, mapped or read into memory: an 8-byte header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the data. Every range is checked against the file
// before it is handed out, so a malformed file is an error, never an out-of-bounds read.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::local {

enum class DType { f32, f16, bf16, u32 };

std::size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

struct TensorView {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> bytes;
  std::filesystem::path file;  // for error messages

  std::int64_t elements() const;
  std::int64_t dim(std::size_t i) const { return i < shape.size() ? shape[i] : 1; }
  std::string describe() const;  // "name (bf16 [128, 64]) in file"
};

// Where a file's bytes live while it is open. `mapped`: the file's pages, shared with the page
// cache and read on first use. `huge_pages`: read at open into anonymous memory on 2 MiB pages,
// which the CPU streams faster during decode (fewer TLB misses; benchmarks/RESULTS.md, sessions
// 5 and 10), where the file fits in three quarters of the memory available then; a larger file
// is mapped, with a warning: past the memory a copy gets the process killed, a mapping pages.
enum class Residency { mapped, huge_pages };

// Whether the kernel backs memory advised MADV_HUGEPAGE with huge pages: the mode selected in
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never") is always or madvise.
bool huge_pages_on_advice(std::string_view transparent_hugepage_enabled);
// The same for this machine; false where the file is missing (a kernel without them).
bool huge_pages_on_advice();

class SafetensorsFile {
 public:
  // Maps or reads the file and validates the header. Throws Error(model_format) naming the file.
  explicit SafetensorsFile(const std::filesystem::path& file, Residency residency = Residency::mapped);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  std::size_t size_bytes() const { return size_; }
  Residency residency() const { return residency_; }  // what it got: huge_pages may fall back to mapped

 private:
  std::filesystem::path path_;
  void* region_ = nullptr;  // what mmap returned; the file's bytes may start further in
  std::size_t region_size_ = 0;
  std::size_t size_ = 0;
  Residency residency_ = Residency::mapped;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace switchboard::local
