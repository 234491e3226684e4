// `switchboard providers`: the plugins that loaded, the provider instances of the catalog,
// and the plugin files that were refused.

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "runtime_access.hpp"
#include "table.hpp"

namespace switchboard::cli {
namespace {

std::string describe(const Error& error) { return std::string(to_string(error.category())) + ": " + error.what(); }

nlohmann::json error_json(const Error& error) {
  return {{"category", to_string(error.category())}, {"message", error.what()}};
}

nlohmann::json as_json(const std::vector<PluginInfo>& plugins, const std::vector<ProviderStatus>& providers,
                       const std::vector<PluginLoadFailure>& failures) {
  nlohmann::json output = {{"plugins", nlohmann::json::array()},
                           {"providers", nlohmann::json::array()},
                           {"failures", nlohmann::json::array()}};
  for (const auto& plugin : plugins) {
    output["plugins"].push_back({{"name", plugin.name},
                                 {"version", plugin.version},
                                 {"abi_tag", plugin.abi_tag},
                                 {"file", plugin.file.string()}});
  }
  for (const auto& provider : providers) {
    nlohmann::json entry = {{"name", provider.name}, {"plugin", provider.plugin}, {"started", provider.started}};
    if (provider.info) {
      entry["version"] = provider.info->version;
      entry["details"] = provider.info->details;
    }
    if (provider.error) entry["error"] = error_json(*provider.error);
    output["providers"].push_back(std::move(entry));
  }
  for (const auto& failure : failures) {
    output["failures"].push_back({{"file", failure.file.string()}, {"reason", failure.reason}});
  }
  return output;
}

std::string as_text(const std::vector<PluginInfo>& plugins, const std::vector<ProviderStatus>& providers,
                    const std::vector<PluginLoadFailure>& failures) {
  Table plugin_table({"NAME", "VERSION", "FILE"});
  for (const auto& plugin : plugins) plugin_table.add({plugin.name, plugin.version, plugin.file.string()});

  Table provider_table({"NAME", "PLUGIN", "STATUS"});
  for (const auto& provider : providers) {
    std::string status = provider.started ? "started" : "not started";
    if (provider.error) status = "error: " + describe(*provider.error);
    if (provider.started && provider.info && !provider.info->details.empty()) {
      status += ' ';
      status += provider.info->details.dump();
    }
    provider_table.add({provider.name, provider.plugin, status});
  }

  Table failure_table({"FILE", "REASON"});
  for (const auto& failure : failures) failure_table.add({failure.file.string(), failure.reason});

  auto section = [](const std::string& title, const Table& table) {
    return title + ":\n" + (table.has_rows() ? table.render() : "  (none)\n");
  };
  return section("Plugins", plugin_table) + "\n" + section("Providers", provider_table) + "\n" +
         section("Plugin load failures", failure_table);
}

int run(const CommandContext& context) {
  if (!context.arguments.positionals().empty()) {
    throw UsageError("'switchboard providers' takes no arguments, got '" + context.arguments.positionals().front() + "'");
  }
  Runtime runtime = open_runtime(context.catalog_file);
  auto providers = runtime.providers();  // starts each provider, so that its status is real
  auto plugins = runtime.registry().plugins();
  auto failures = runtime.registry().failures();
  if (context.arguments.has("--json")) {
    write_stdout(as_json(plugins, providers, failures).dump(2) + "\n");
  } else {
    write_stdout(as_text(plugins, providers, failures));
  }
  return kExitSuccess;
}

}  // namespace

Command providers_command() {
  return {
      .name = "providers",
      .summary = "list the plugins, the catalog's provider instances and plugin load failures",
      .usage = "providers [--json]",
      .description =
          "Lists the plugins that loaded (name, version, file), starts every provider instance of\n"
          "the catalog and shows whether it started or why not, and lists the plugin files that\n"
          "could not be loaded with the reason.",
      .options = {{"--json", "", "print one JSON object: {\"plugins\", \"providers\", \"failures\"}"}},
      .run = run,
  };
}

}  // namespace switchboard::cli
