#pragma once
// A memory-mapped .safetensors file: an 8-byte header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the data. Every range is checked against the file
// before it is handed out, so a malformed file is an error, never an out-of-bounds read.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
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

class SafetensorsFile {
 public:
  // Maps the file and validates the header. Throws Error(model_format) naming the file.
  explicit SafetensorsFile(const std::filesystem::path& file);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  std::size_t size_bytes() const { return size_; }

 private:
  std::filesystem::path path_;
  void* mapping_ = nullptr;
  std::size_t size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace switchboard::local
