#pragma once
// A backend that times every call of another, by operation and by phase (decode: one token per
// forward pass; prefill: more), and logs where the time went when it is destroyed. Products are
// kept apart by weight shape, with the bytes they read, so a report shows how fast each kind of
// product streams its weights. Only a backend whose calls finish before they return (the CPU)
// is timed truly; make_backend wraps nothing else. SWITCHBOARD_CPU_PROFILE=1 turns it on.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "backends/forwarding_backend.hpp"

namespace switchboard::local {

class ProfilingBackend final : public ForwardingBackend {
 public:
  struct Entry {
    std::int64_t calls = 0;
    double seconds = 0;
    double weight_bytes = 0;  // products only
  };
  // Operation name (products: "matmuls ROWSxCOLS[+...]") to its totals.
  using Phase = std::map<std::string, Entry>;

  explicit ProfilingBackend(std::shared_ptr<Backend> inner) : ForwardingBackend(std::move(inner)) {}
  ~ProfilingBackend() override;

  const Phase& decode() const { return decode_; }
  const Phase& prefill() const { return prefill_; }

  void read(View source, std::span<float> out) override;
  void matmul(const WeightMatrix& w, View in, int tokens, View out) override;
  void matmuls(std::span<const Product> products, View in, int tokens) override;
  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) override;
  void rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) override;
  void rope(View x, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) override;
  void store_kv(View k, View v, int tokens, int first_position, const AttentionShape& shape, View key_cache,
                View value_cache) override;
  void attention(View q, View key_cache, View value_cache, int tokens, int first_position, const AttentionShape& shape,
                 View out) override;
  void gated_activation(View gate, View up, std::size_t n, Activation activation, View out) override;
  void add(View x, View delta, std::size_t n) override;
  void add_bias(View x, std::span<const float> bias, int rows) override;
  void copy(View source, View destination, std::size_t n) override;
  void softcap(View x, std::size_t n, float cap) override;

 private:
  // Times `call` into the current phase's entry `name`.
  template <typename Call>
  void timed(const std::string& name, double weight_bytes, Call&& call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    Entry& entry = (in_decode_ ? decode_ : prefill_)[name];
    entry.calls += 1;
    entry.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    entry.weight_bytes += weight_bytes;
  }

  bool in_decode_ = false;  // set by embed(), every forward pass's first call
  Phase decode_, prefill_;
};

// Whether SWITCHBOARD_CPU_PROFILE asks for a ProfilingBackend.
bool cpu_profile_requested();

}  // namespace switchboard::local
