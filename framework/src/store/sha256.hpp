#pragma once
// SHA-256 (FIPS 180-4), fed in pieces: the hub names large files by their SHA-256, and a download
// is hashed as it arrives (and its kept prefix re-hashed when it resumes).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::store {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  std::string hex_digest();  // 64 lower-case hex digits; ends the hashing

 private:
  void compress(const std::uint8_t* block);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

}  // namespace switchboard::store
