#pragma once
// Every tensor of a model folder: one model.safetensors, or the shards that
// model.safetensors.index.json names.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/safetensors.hpp"

namespace switchboard::local {

class TensorStore {
 public:
  // Throws Error(not_found) for a folder with no weights, Error(model_format) for a bad index
  // or shard.
  explicit TensorStore(const std::filesystem::path& folder, Residency residency = Residency::mapped);

  // nullptr when absent.
  const TensorView* find(const std::string& name) const;
  // Throws Error(model_format) naming the tensor and the folder when absent.
  const TensorView& require(const std::string& name) const;

  std::size_t total_bytes() const;
  const std::filesystem::path& folder() const { return folder_; }

 private:
  std::filesystem::path folder_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
};

}  // namespace switchboard::local
