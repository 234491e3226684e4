#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

#include "backends/backend.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

namespace switchboard::local {
namespace {

// What `backend: auto` made: the chosen backend, unchanged, whose describe() also says why it
// was chosen, so `switchboard providers` shows it.
class AutoChosen final : public Backend {
 public:
  AutoChosen(std::shared_ptr<Backend> chosen, std::string why) : chosen_(std::move(chosen)), why_(std::move(why)) {}

  std::string name() const override { return chosen_->name(); }
  nlohmann::json describe() const override {
    auto details = chosen_->describe();
    details["auto"] = why_;
    if (!details.contains("devices")) details["devices"] = vulkan_devices()["devices"];
    return details;
  }
  std::unique_ptr<Buffer> allocate(std::size_t floats) override { return chosen_->allocate(floats); }
  std::unique_ptr<Buffer> allocate_cache(std::size_t floats) override { return chosen_->allocate_cache(floats); }
  void upload(const WeightMatrix& weight) override { chosen_->upload(weight); }
  void upload(std::span<const float> vector) override { chosen_->upload(vector); }
  void read(View source, std::span<float> out) override { chosen_->read(source, out); }
  void matmul(const WeightMatrix& w, View in, int tokens, View out) override { chosen_->matmul(w, in, tokens, out); }
  void matmuls(std::span<const Product> products, View in, int tokens) override { chosen_->matmuls(products, in, tokens); }
  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, View out) override {
    chosen_->embed(table, ids, scale, out);
  }
  void rms_norm(View in, std::span<const float> weight, int rows, int dim, float eps, bool adds_one, View out) override {
    chosen_->rms_norm(in, weight, rows, dim, eps, adds_one, out);
  }
  void rope(View x, int tokens, int heads, int head_dim, int first_position, std::span<const float> inverse_frequencies) override {
    chosen_->rope(x, tokens, heads, head_dim, first_position, inverse_frequencies);
  }
  void store_kv(View k, View v, int tokens, int first_position, const AttentionShape& shape, View key_cache,
                View value_cache) override {
    chosen_->store_kv(k, v, tokens, first_position, shape, key_cache, value_cache);
  }
  void attention(View q, View key_cache, View value_cache, int tokens, int first_position, const AttentionShape& shape,
                 View out) override {
    chosen_->attention(q, key_cache, value_cache, tokens, first_position, shape, out);
  }
  void gated_activation(View gate, View up, std::size_t n, Activation activation, View out) override {
    chosen_->gated_activation(gate, up, n, activation, out);
  }
  void add(View x, View delta, std::size_t n) override { chosen_->add(x, delta, n); }
  void add_bias(View x, std::span<const float> bias, int rows) override { chosen_->add_bias(x, bias, rows); }
  void copy(View source, View destination, std::size_t n) override { chosen_->copy(source, destination, n); }
  void softcap(View x, std::size_t n, float cap) override { chosen_->softcap(x, n, cap); }

 private:
  std::shared_ptr<Backend> chosen_;
  std::string why_;
};

// The best real GPU when there is one (a CPU implementation of Vulkan such as lavapipe is
// slower than the CPU backend), else the CPU.
std::shared_ptr<Backend> make_auto_backend(const BackendOptions& options) {
  std::string reason;
  const int gpu = best_vulkan_gpu(&reason);
  if (gpu >= 0) {
    std::shared_ptr<Backend> vulkan = make_vulkan_backend(std::to_string(gpu), options.memory_limit);
    const std::string why = "chose vulkan: " + vulkan->describe()["device"]["name"].get<std::string>();
    logger()->info("backend auto {}", why);
    return std::make_shared<AutoChosen>(std::move(vulkan), why);
  }
  const std::string why = "chose cpu: no Vulkan GPU (" + reason + ")";
  logger()->info("backend auto {}", why);
  return std::make_shared<AutoChosen>(make_cpu_backend(options.threads), why);
}

}  // namespace

std::shared_ptr<Backend> make_backend(const BackendOptions& options) {
  if (options.kind == "cpu") return make_cpu_backend(options.threads);
  if (options.kind == "vulkan") return make_vulkan_backend(options.device, options.memory_limit);
  if (options.kind == "auto") return make_auto_backend(options);
  throw Error(ErrorCategory::config, "option 'backend': expected cpu, vulkan or auto, got '" + options.kind + "'");
}

}  // namespace switchboard::local
