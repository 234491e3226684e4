#include "model/tensor_store.hpp"

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include <switchboard/error.hpp>

namespace switchboard::local {
namespace fs = std::filesystem;

TensorStore::TensorStore(const fs::path& folder, Residency residency) : folder_(folder) {
  const fs::path index_file = folder / "model.safetensors.index.json";
  std::vector<fs::path> shards;
  if (fs::exists(index_file)) {
    nlohmann::json index;
    try {
      std::ifstream in(index_file);
      index = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& error) {
      throw Error(ErrorCategory::model_format, index_file.string() + ": not valid JSON: " + error.what());
    }
    if (!index.contains("weight_map") || !index["weight_map"].is_object())
      throw Error(ErrorCategory::model_format, index_file.string() + ": expected a 'weight_map' object");
    std::set<std::string> names;
    for (const auto& [tensor, shard] : index["weight_map"].items()) {
      if (!shard.is_string())
        throw Error(ErrorCategory::model_format, index_file.string() + ": weight_map['" + tensor + "'] must be a file name");
      const auto name = shard.get<std::string>();
      if (fs::path(name).has_parent_path() || name == "..")
        throw Error(ErrorCategory::model_format, index_file.string() + ": shard '" + name + "' must be a plain file name in the folder");
      if (names.insert(name).second) shards.push_back(folder / name);
    }
  } else if (fs::exists(folder / "model.safetensors")) {
    shards.push_back(folder / "model.safetensors");
  } else {
    throw Error(ErrorCategory::not_found, folder.string() + ": no model.safetensors or model.safetensors.index.json");
  }
  for (const auto& shard : shards) {
    if (!fs::exists(shard)) throw Error(ErrorCategory::not_found, shard.string() + ": shard named by the index is missing");
    files_.push_back(std::make_unique<SafetensorsFile>(shard, residency));
    for (const auto& [name, view] : files_.back()->tensors()) {
      if (!index_.emplace(name, &view).second)
        throw Error(ErrorCategory::model_format, shard.string() + ": tensor '" + name + "' also appears in " + index_[name]->file.string());
    }
  }
}

const TensorView* TensorStore::find(const std::string& name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : found->second;
}

const TensorView& TensorStore::require(const std::string& name) const {
  if (const auto* view = find(name)) return *view;
  throw Error(ErrorCategory::model_format, folder_.string() + ": tensor '" + name + "' is missing from the weights");
}

std::size_t TensorStore::total_bytes() const {
  std::size_t total = 0;
  for (const auto& file : files_) total += file->size_bytes();
  return total;
}

}  // namespace switchboard::local
