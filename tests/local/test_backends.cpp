#include "test_backends.hpp"

#include <cstdlib>
#include <stdexcept>

#include "backends/vulkan/vulkan_backend.hpp"

namespace switchboard::testing {

// The CPU always; Vulkan when this machine has a device (lavapipe counts). With
// SWITCHBOARD_REQUIRE_VULKAN=1 (as in CI) a missing device is an error, not a skipped backend.
std::vector<std::string> test_backend_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> result = {"cpu"};
    const auto devices = local::vulkan_devices();
    const char* required = std::getenv("SWITCHBOARD_REQUIRE_VULKAN");
    if (devices["available"].get<bool>()) {
      result.push_back("vulkan");
    } else if (required && std::string(required) == "1") {
      throw std::runtime_error("SWITCHBOARD_REQUIRE_VULKAN=1 but there is no Vulkan device: " + devices["reason"].get<std::string>());
    }
    return result;
  }();
  return kinds;
}

}  // namespace switchboard::testing
