#include "piece_cache.hpp"

#include <mutex>

namespace switchboard::local {

bool PieceCache::find(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.size() >= kMaxPieceBytes) return false;
  Shard& shard = shard_for(piece);
  std::shared_lock lock(shard.mutex);
  const auto found = shard.entries.find(piece);
  if (found == shard.entries.end()) return false;
  out.insert(out.end(), found->second.begin(), found->second.end());
  return true;
}

void PieceCache::insert(std::string_view piece, std::span<const int32_t> ids) const {
  if (piece.size() >= kMaxPieceBytes) return;
  Shard& shard = shard_for(piece);
  std::unique_lock lock(shard.mutex);
  if (shard.entries.size() >= kEntriesPerShard) return;
  shard.entries.try_emplace(std::string(piece), ids.begin(), ids.end());
}

}  // namespace switchboard::local
