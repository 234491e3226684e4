#include "install_paths.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

namespace switchboard::detail {

std::filesystem::path framework_library_dir() {
  static const std::filesystem::path dir =
      std::filesystem::path(boost::dll::this_line_location().string()).parent_path();
  return dir;
}

std::filesystem::path installed_plugin_dir() {
  return (framework_library_dir() / SWITCHBOARD_PLUGIN_SUBDIR).lexically_normal();
}

std::filesystem::path installed_share_dir() {
  return (framework_library_dir() / SWITCHBOARD_SHARE_FROM_LIB).lexically_normal();
}

std::filesystem::path source_dir() { return SWITCHBOARD_SOURCE_DIR; }

}  // namespace switchboard::detail
