#pragma once
// The framework's logger, shared by the host and every plugin: one sink (stderr), one level.

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

namespace switchboard {

std::shared_ptr<spdlog::logger> logger();

// "trace", "debug", "info", "warn", "error", "critical", "off". Throws Error(config) otherwise.
void set_log_level(std::string_view level);

// Applies $SWITCHBOARD_LOG when it is set; the default level is "warn".
void init_logging_from_env();

}  // namespace switchboard
