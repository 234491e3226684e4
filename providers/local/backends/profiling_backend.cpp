#include "backends/profiling_backend.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <switchboard/log.hpp>

namespace switchboard::local {
namespace {

// "matmuls 896x896" for one weight, "matmuls 896x896+128x896+128x896" for q, k and v.
std::string product_name(std::span<const Product> products) {
  std::string name = "matmuls ";
  for (std::size_t i = 0; i < products.size(); ++i) {
    if (i > 0) name += '+';
    name += std::to_string(products[i].w->rows) + "x" + std::to_string(products[i].w->cols);
  }
  return name;
}

void log_phase(const char* phase, const ProfilingBackend::Phase& entries) {
  double total = 0;
  for (const auto& [name, entry] : entries) total += entry.seconds;
  if (total <= 0) return;
  std::vector<std::pair<std::string, ProfilingBackend::Entry>> by_time(entries.begin(), entries.end());
  std::sort(by_time.begin(), by_time.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  logger()->info("cpu profile, {}: {:.3f} ms in backend calls", phase, total * 1e3);
  for (const auto& [name, entry] : by_time) {
    std::string streamed;
    if (entry.weight_bytes > 0) streamed = fmt::format(", weights at {:.2f} GB/s", entry.weight_bytes / entry.seconds / 1e9);
    logger()->info("cpu profile, {}: {:5.1f}% {:10.3f} ms {:8d} calls {:9.2f} us each  {}{}", phase, 100 * entry.seconds / total,
                   entry.seconds * 1e3, entry.calls, entry.seconds / static_cast<double>(entry.calls) * 1e6, name, streamed);
  }
}

}  // namespace

bool cpu_profile_requested() {
  const char* value = std::getenv("SWITCHBOARD_CPU_PROFILE");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

ProfilingBackend::~ProfilingBackend() {
  log_phase("decode", decode_);
  log_phase("prefill", prefill_);
}

void ProfilingBackend::read(View source, std::span<float> out) {
  timed("read", 0, [&] { ForwardingBackend::read(source, out); });
}

void ProfilingBackend::matmul(const WeightMatrix& w, View in, int tokens, View out) {
  const Product product{&w, out};
  matmuls({&product, 1}, in, tokens);
}

void ProfilingBackend::matmuls(std::span<const Product> products, View in, int tokens) {
  double bytes = 0;
  for (const Product& product : products) bytes += static_cast<double>(product.w->bytes());
  timed(product_name(products), bytes, [&] { ForwardingBackend::matmuls(products, in, tokens); });
}

void ProfilingBackend::embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) {
  in_decode_ = ids.size() == 1;
  timed("embed", 0, [&] { ForwardingBackend::embed(table, ids, scale, out); });
}

void ProfilingBackend::rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) {
  timed("rms_norm", 0, [&] { ForwardingBackend::rms_norm(in, weight, rows, dim, eps, adds_one, out); });
}

void ProfilingBackend::rope(View x, int tokens, int heads, int head_dim, int first_position,
                            std::span<const float> inverse_frequencies) {
  timed("rope", 0, [&] { ForwardingBackend::rope(x, tokens, heads, head_dim, first_position, inverse_frequencies); });
}

void ProfilingBackend::store_kv(View k, View v, int tokens, int first_position, const AttentionShape& shape, View key_cache,
                                View value_cache) {
  timed("store_kv", 0, [&] { ForwardingBackend::store_kv(k, v, tokens, first_position, shape, key_cache, value_cache); });
}

void ProfilingBackend::attention(View q, View key_cache, View value_cache, int tokens, int first_position,
                                 const AttentionShape& shape, View out) {
  timed("attention", 0, [&] { ForwardingBackend::attention(q, key_cache, value_cache, tokens, first_position, shape, out); });
}

void ProfilingBackend::gated_activation(View gate, View up, std::size_t n, Activation activation, View out) {
  timed("gated_activation", 0, [&] { ForwardingBackend::gated_activation(gate, up, n, activation, out); });
}

void ProfilingBackend::add(View x, View delta, std::size_t n) {
  timed("add", 0, [&] { ForwardingBackend::add(x, delta, n); });
}

void ProfilingBackend::add_bias(View x, std::span<const float> bias, int rows) {
  timed("add_bias", 0, [&] { ForwardingBackend::add_bias(x, bias, rows); });
}

void ProfilingBackend::copy(View source, View destination, std::size_t n) {
  timed("copy", 0, [&] { ForwardingBackend::copy(source, destination, n); });
}

void ProfilingBackend::softcap(View x, std::size_t n, float cap) {
  timed("softcap", 0, [&] { ForwardingBackend::softcap(x, n, cap); });
}

}  // namespace switchboard::local
