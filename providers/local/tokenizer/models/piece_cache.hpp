#pragma once
// A bounded, thread-safe map from a pre-tokenized piece to its token ids. Text repeats words
// constantly, so most pieces skip the merge loop. Like Hugging Face's cache it stops taking new
// entries when full instead of evicting: the first words seen are the frequent ones.

#include <array>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace switchboard::local {

class PieceCache {
 public:
  static constexpr size_t kMaxPieceBytes = 256;  // longer pieces are rare and not worth keeping

  // Appends the cached ids of `piece` to `out` and returns true, or returns false.
  bool find(std::string_view piece, std::vector<int32_t>& out) const;
  void insert(std::string_view piece, std::span<const int32_t> ids) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>, Hash, std::equal_to<>> entries;
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kEntriesPerShard = 8192;

  Shard& shard_for(std::string_view piece) const { return shards_[Hash{}(piece) % kShards]; }

  mutable std::array<Shard, kShards> shards_;
};

}  // namespace switchboard::local
