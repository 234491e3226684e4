#include "model/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

namespace switchboard::local {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw Error(ErrorCategory::model_format, file.string() + ": " + what);
}

DType parse_dtype(const std::filesystem::path& file, const std::string& tensor, const std::string& name) {
  if (name == "F32") return DType::f32;
  if (name == "F16") return DType::f16;
  if (name == "BF16") return DType::bf16;
  if (name == "U32") return DType::u32;
  fail(file, "tensor '" + tensor + "': unsupported dtype '" + name + "' (supported: F32, F16, BF16, U32)");
}

}  // namespace

std::size_t dtype_size(DType dtype) { return dtype == DType::f16 || dtype == DType::bf16 ? 2 : 4; }

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::u32: return "u32";
  }
  return "?";
}

std::int64_t TensorView::elements() const {
  std::int64_t count = 1;
  for (auto d : shape) count *= d;
  return count;
}

std::string TensorView::describe() const {
  std::string text = "'" + name + "' (" + dtype_name(dtype) + " [";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]) in " + file.string();
}

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::byte* huge_page_start(void* region) {
  return reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(region) + kHugePage - 1) / kHugePage * kHugePage);
}

// The whole file read into fresh anonymous memory that starts on a huge page boundary, so the
// kernel can back it with huge pages. Returns the mapping (`region_size` bytes); the file's bytes
// start at the first huge page boundary in it.
void* read_into_huge_pages(int fd, const std::filesystem::path& file, std::size_t size, std::size_t& region_size) {
  const std::size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
  region_size = rounded + kHugePage;  // room to move the start up to a boundary
  void* region = ::mmap(nullptr, region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) fail(file, "cannot allocate " + std::to_string(region_size) + " bytes to read it into: " + std::strerror(errno));
  std::byte* bytes = huge_page_start(region);
  // A hint: without it the copy still works, on small pages. The last part-filled huge page
  // stays on small ones, so the copy takes no more memory than the file.
  ::madvise(bytes, size / kHugePage * kHugePage, MADV_HUGEPAGE);
  for (std::size_t done = 0; done < size;) {
    const ssize_t got = ::pread(fd, bytes + done, std::min(size - done, std::size_t{64} << 20), static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const std::string why = got < 0 ? std::string("cannot read: ") + std::strerror(errno)
                                      : "ended after " + std::to_string(done) + " of " + std::to_string(size) + " bytes while being read";
      ::munmap(region, region_size);
      fail(file, why);
    }
    done += static_cast<std::size_t>(got);
  }
  ::mprotect(bytes, rounded, PROT_READ);  // weights are read-only, as when mapped
  return region;
}

// Whether a copy of `file`'s `bytes` leaves a quarter of the memory available now (MemAvailable)
// for everything else, warning when not; true where /proc/meminfo cannot tell.
bool copy_fits(const std::filesystem::path& file, std::size_t bytes) {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kilobytes = 0;
  while (meminfo >> key >> kilobytes) {
    if (key == "MemAvailable:") {
      if (bytes <= kilobytes * 1024 / 4 * 3) return true;
      logger()->warn("{}: {} MiB would not fit in three quarters of the {} MiB of memory available; mapped instead of read in",
                     file.string(), bytes >> 20, kilobytes >> 10);
      return false;
    }
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return true;
}

}  // namespace

bool huge_pages_on_advice(std::string_view transparent_hugepage_enabled) {
  return transparent_hugepage_enabled.find("[always]") != std::string_view::npos ||
         transparent_hugepage_enabled.find("[madvise]") != std::string_view::npos;
}

bool huge_pages_on_advice() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  return std::getline(setting, line) && huge_pages_on_advice(line);
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& file, Residency residency) : path_(file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCategory::not_found, file.string() + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    fail(file, std::string("cannot stat: ") + std::strerror(errno));
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ < 8) {
    ::close(fd);
    fail(file, "truncated: " + std::to_string(size_) + " bytes, shorter than the 8-byte header length");
  }
  // The header is parsed from the mapping in either case: its JSON is the file's largest
  // transient allocation, and it should be gone before a copy of the data takes memory.
  region_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (region_ == MAP_FAILED) {
    region_ = nullptr;
    ::close(fd);
    fail(file, std::string("cannot map: ") + std::strerror(errno));
  }
  region_size_ = size_;
  const auto* base = static_cast<const std::byte*>(region_);
  try {
    std::uint64_t header_size = 0;
    std::memcpy(&header_size, base, 8);  // little-endian on every platform we build for
    if (header_size > size_ - 8)
      fail(file, "header length " + std::to_string(header_size) + " runs past the end of the file (" +
                     std::to_string(size_) + " bytes): truncated or not a safetensors file");
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(reinterpret_cast<const char*>(base + 8), reinterpret_cast<const char*>(base + 8 + header_size));
    } catch (const nlohmann::json::exception& error) {
      fail(file, std::string("header is not valid JSON: ") + error.what());
    }
    if (!header.is_object()) fail(file, "header is not a JSON object");
    const std::size_t data_start = 8 + header_size;
    const std::size_t data_size = size_ - data_start;
    for (const auto& [name, entry] : header.items()) {
      if (name == "__metadata__") {
        if (entry.is_object())
          for (const auto& [key, value] : entry.items())
            if (value.is_string()) metadata_[key] = value.get<std::string>();
        continue;
      }
      if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
        fail(file, "tensor '" + name + "': expected an object with dtype, shape and data_offsets");
      const auto& dtype = entry["dtype"];
      const auto& shape = entry["shape"];
      const auto& offsets = entry["data_offsets"];
      if (!dtype.is_string()) fail(file, "tensor '" + name + "': dtype must be a string");
      if (!shape.is_array()) fail(file, "tensor '" + name + "': shape must be a list of integers");
      if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
        fail(file, "tensor '" + name + "': data_offsets must be two non-negative integers");
      TensorView view;
      view.name = name;
      view.file = file;
      view.dtype = parse_dtype(file, name, dtype.get<std::string>());
      std::uint64_t count = 1;
      for (const auto& d : shape) {
        if (!d.is_number_unsigned()) fail(file, "tensor '" + name + "': shape must be a list of non-negative integers");
        const auto extent = d.get<std::uint64_t>();
        if (extent != 0 && count > std::numeric_limits<std::uint64_t>::max() / 16 / extent)
          fail(file, "tensor '" + name + "': shape is too large");
        count *= extent;
        view.shape.push_back(static_cast<std::int64_t>(extent));
      }
      const auto begin = offsets[0].get<std::uint64_t>();
      const auto end = offsets[1].get<std::uint64_t>();
      if (begin > end || end > data_size)
        fail(file, "tensor '" + name + "': data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                       ") lie outside the data section of " + std::to_string(data_size) + " bytes");
      if (end - begin != count * dtype_size(view.dtype))
        fail(file, "tensor '" + name + "': " + std::to_string(end - begin) + " bytes of data for a shape of " +
                       std::to_string(count) + " " + dtype_name(view.dtype) + " values");
      view.bytes = {base + data_start + begin, static_cast<std::size_t>(end - begin)};
      tensors_.emplace(name, std::move(view));
    }
    if (residency == Residency::huge_pages && !copy_fits(file, size_)) residency = Residency::mapped;
    if (residency == Residency::huge_pages) {
      std::size_t copy_size = 0;
      void* copy = read_into_huge_pages(fd, file, size_, copy_size);
      const std::byte* copy_base = huge_page_start(copy);
      for (auto& [name, view] : tensors_) view.bytes = {copy_base + (view.bytes.data() - base), view.bytes.size()};
      ::munmap(region_, region_size_);
      region_ = copy;
      region_size_ = copy_size;
    }
    residency_ = residency;
  } catch (...) {
    ::munmap(region_, region_size_);
    region_ = nullptr;
    ::close(fd);
    throw;
  }
  ::close(fd);
}

SafetensorsFile::~SafetensorsFile() {
  if (region_) ::munmap(region_, region_size_);
}

}  // namespace switchboard::local
