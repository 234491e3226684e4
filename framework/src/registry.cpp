#include "switchboard/registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include <boost/dll/shared_library.hpp>

#include "install_paths.hpp"
#include "switchboard/log.hpp"
#include "switchboard/plugin.hpp"

namespace switchboard {
namespace fs = std::filesystem;

using Library = std::shared_ptr<boost::dll::shared_library>;

struct Registry::Loaded {
  Library library;
  const PluginDescriptor* descriptor = nullptr;
  PluginInfo info;
};

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  return parts;
}

// Names the parts of two ABI tags ("compiler;stdlib;framework") that differ.
std::string describe_tag_mismatch(const std::string& plugin_tag, const std::string& host_tag) {
  const auto plugin_parts = split(plugin_tag, ';');
  const auto host_parts = split(host_tag, ';');
  static const char* const kPartNames[] = {"compiler", "standard library", "framework version"};
  std::string differences;
  for (std::size_t i = 0; i < std::max(plugin_parts.size(), host_parts.size()); ++i) {
    const auto plugin_part = i < plugin_parts.size() ? plugin_parts[i] : "(none)";
    const auto host_part = i < host_parts.size() ? host_parts[i] : "(none)";
    if (plugin_part == host_part) continue;
    if (!differences.empty()) differences += ", ";
    differences += std::string(i < 3 ? kPartNames[i] : "tag part") + " " + plugin_part + " (framework has " + host_part + ")";
  }
  return "built with a different ABI: " + differences;
}

// Keeps the plugin's code mapped for as long as an object it made is alive: the holder drops
// the object first (running the plugin's destructor), then its reference to the library.
template <typename T>
std::shared_ptr<T> bind_to_library(std::shared_ptr<T> object, Library library) {
  struct Holder {
    Library library;
    std::shared_ptr<T> object;
  };
  auto holder = std::make_shared<Holder>(Holder{std::move(library), std::move(object)});
  T* raw = holder->object.get();
  return std::shared_ptr<T>(std::move(holder), raw);
}

class PluginProvider final : public LLMProvider {
 public:
  PluginProvider(std::shared_ptr<LLMProvider> inner, Library library)
      : inner_(bind_to_library(std::move(inner), library)), library_(std::move(library)) {}

  ProviderInfo info() const override { return inner_->info(); }

  std::shared_ptr<Model> open(const ModelEntry& entry) override {
    auto model = inner_->open(entry);
    if (!model) throw Error(ErrorCategory::plugin, "provider '" + info().name + "' returned no model for '" + entry.name + "'");
    return bind_to_library(std::move(model), library_);
  }

 private:
  std::shared_ptr<LLMProvider> inner_;
  Library library_;
};

}  // namespace

Registry::Registry() = default;
Registry::~Registry() = default;

std::vector<fs::path> Registry::search_path(const std::vector<fs::path>& extra) {
  std::vector<fs::path> folders = extra;
  if (const char* env = std::getenv("SWITCHBOARD_PLUGIN_PATH"); env && *env) {
    for (const auto& entry : split(env, ':')) {
      // An empty or relative entry would mean the current directory, which is never searched.
      if (entry.empty()) continue;
      if (fs::path(entry).is_relative()) {
        logger()->warn("SWITCHBOARD_PLUGIN_PATH: ignoring relative folder '{}' (plugin folders must be absolute)", entry);
        continue;
      }
      folders.emplace_back(entry);
    }
  }
  folders.push_back(detail::installed_plugin_dir());
  return folders;
}

void Registry::scan(const std::vector<fs::path>& folders) {
  for (const auto& folder : folders) {
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
      logger()->debug("plugin folder {} does not exist; skipped", folder.string());
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, error))
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) load(file);
  }
}

bool Registry::load(const fs::path& file) {
  std::error_code ignored;
  const fs::path canonical = fs::weakly_canonical(file, ignored);
  auto refuse = [&](const std::string& reason) {
    logger()->warn("plugin {} refused: {}", file.string(), reason);
    std::lock_guard lock(mutex_);
    failures_.push_back({file, reason});
    return false;
  };
  {
    std::lock_guard lock(mutex_);
    for (const auto& loaded : loaded_)
      if (loaded->info.file == canonical) return true;
  }

  Library library;
  try {
    library = std::make_shared<boost::dll::shared_library>(
        canonical.string(), boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& error) {
    return refuse(std::string("cannot be loaded: ") + error.what());
  }
  if (!library->has(kPluginSymbol))
    return refuse(std::string("not a switchboard plugin: it exports no '") + kPluginSymbol + "' symbol");

  const auto& descriptor = library->get<const PluginDescriptor>(kPluginSymbol);
  if (descriptor.abi_version != kPluginAbiVersion)
    return refuse("plugin ABI version " + std::to_string(descriptor.abi_version) + ", framework expects " +
                  std::to_string(kPluginAbiVersion));
  if (!descriptor.abi_tag || !descriptor.name || !descriptor.version || !descriptor.create)
    return refuse("its descriptor is incomplete (ABI tag, name, version and factory are all required)");
  if (std::string(descriptor.abi_tag) != SWITCHBOARD_ABI_TAG)
    return refuse(describe_tag_mismatch(descriptor.abi_tag, SWITCHBOARD_ABI_TAG));

  auto loaded = std::make_shared<Loaded>();
  loaded->library = std::move(library);
  loaded->descriptor = &descriptor;
  loaded->info = {descriptor.name, descriptor.version, descriptor.abi_tag, canonical};

  std::lock_guard lock(mutex_);
  for (const auto& other : loaded_) {
    if (other->info.name == loaded->info.name) {
      const std::string reason = "duplicate plugin name '" + loaded->info.name + "': already loaded from " + other->info.file.string();
      logger()->warn("plugin {} refused: {}", file.string(), reason);
      failures_.push_back({file, reason});
      return false;
    }
  }
  logger()->debug("loaded plugin '{}' {} from {}", loaded->info.name, loaded->info.version, canonical.string());
  loaded_.push_back(std::move(loaded));
  return true;
}

std::vector<PluginInfo> Registry::plugins() const {
  std::lock_guard lock(mutex_);
  std::vector<PluginInfo> infos;
  for (const auto& loaded : loaded_) infos.push_back(loaded->info);
  return infos;
}

std::vector<PluginLoadFailure> Registry::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

bool Registry::has(const std::string& plugin) const {
  std::lock_guard lock(mutex_);
  return std::any_of(loaded_.begin(), loaded_.end(), [&](const auto& loaded) { return loaded->info.name == plugin; });
}

std::shared_ptr<LLMProvider> Registry::create(const ProviderEntry& entry) const {
  std::shared_ptr<Loaded> loaded;
  {
    std::lock_guard lock(mutex_);
    for (const auto& candidate : loaded_)
      if (candidate->info.name == entry.plugin) loaded = candidate;
  }
  const std::string who = entry.where.to_string() + ": provider '" + entry.name + "'";
  if (!loaded) {
    std::string known;
    for (const auto& plugin : plugins()) known += (known.empty() ? "" : ", ") + plugin.name;
    std::string message = who + ": no plugin named '" + entry.plugin + "' is loaded (loaded: " + (known.empty() ? "none" : known) + ")";
    for (const auto& failure : failures())
      message += "\n  " + failure.file.string() + ": " + failure.reason;
    throw Error(ErrorCategory::not_found, message);
  }
  const std::string from = " (plugin '" + entry.plugin + "' from " + loaded->info.file.string() + ")";
  std::shared_ptr<LLMProvider> provider;
  try {
    provider = loaded->descriptor->create(entry);
  } catch (const Error& error) {
    throw Error(error.category(), who + from + ": " + error.what(), error.retry_after());
  } catch (const std::exception& error) {
    throw Error(ErrorCategory::plugin, who + from + ": " + error.what());
  } catch (...) {
    throw Error(ErrorCategory::plugin, who + from + ": the factory threw an unknown exception");
  }
  if (!provider) throw Error(ErrorCategory::plugin, who + from + ": the factory returned no provider");
  return std::make_shared<PluginProvider>(std::move(provider), loaded->library);
}

}  // namespace switchboard
