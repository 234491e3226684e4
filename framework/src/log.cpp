#include "switchboard/log.hpp"

#include <array>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "switchboard/error.hpp"

namespace switchboard {

std::shared_ptr<spdlog::logger> logger() {
  // Created once inside the framework library, so the host and every plugin share it.
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto made = std::make_shared<spdlog::logger>("switchboard", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    made->set_level(spdlog::level::warn);
    made->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
    return made;
  }();
  return instance;
}

void set_log_level(std::string_view level) {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [name, value] : kLevels) {
    if (name == level) {
      logger()->set_level(value);
      return;
    }
  }
  throw Error(ErrorCategory::config, "unknown log level '" + std::string(level) +
                                         "'; expected one of trace, debug, info, warn, error, critical, off");
}

void init_logging_from_env() {
  if (const char* level = std::getenv("SWITCHBOARD_LOG"); level && *level) {
    try {
      set_log_level(level);
    } catch (const Error& error) {
      throw Error(ErrorCategory::config, std::string("SWITCHBOARD_LOG: ") + error.what());
    }
  }
}

}  // namespace switchboard
