#include <switchboard/error.hpp>
#include <switchboard/log.hpp>

#include "backends/backend.hpp"
#include "backends/forwarding_backend.hpp"
#include "backends/profiling_backend.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

namespace switchboard::local {
namespace {

// What `backend: auto` made: the chosen backend, unchanged, whose describe() also says why it
// was chosen, so `switchboard providers` shows it.
class AutoChosen final : public ForwardingBackend {
 public:
  AutoChosen(std::shared_ptr<Backend> chosen, std::string why) : ForwardingBackend(std::move(chosen)), why_(std::move(why)) {}

  nlohmann::json describe() const override {
    auto details = ForwardingBackend::describe();
    details["auto"] = why_;
    if (!details.contains("devices")) details["devices"] = vulkan_devices()["devices"];
    return details;
  }

 private:
  std::string why_;
};

// The CPU backend, timed by a ProfilingBackend when SWITCHBOARD_CPU_PROFILE asks.
std::shared_ptr<Backend> make_profiled_cpu_backend(int threads) {
  std::shared_ptr<Backend> cpu = make_cpu_backend(threads);
  if (!cpu_profile_requested()) return cpu;
  return std::make_shared<ProfilingBackend>(std::move(cpu));
}

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
  return std::make_shared<AutoChosen>(make_profiled_cpu_backend(options.threads), why);
}

}  // namespace

std::shared_ptr<Backend> make_backend(const BackendOptions& options) {
  if (options.kind == "cpu") return make_profiled_cpu_backend(options.threads);
  if (options.kind == "vulkan") return make_vulkan_backend(options.device, options.memory_limit);
  if (options.kind == "auto") return make_auto_backend(options);
  throw Error(ErrorCategory::config, "option 'backend': expected cpu, vulkan or auto, got '" + options.kind + "'");
}

}  // namespace switchboard::local
