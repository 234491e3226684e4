// `switchboard models`: the catalog's models, where each comes from, and whether it is loaded.

#include <cmath>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "runtime_access.hpp"
#include "table.hpp"

namespace switchboard::cli {
namespace {

// A model as listed: its catalog entry and, when its provider started, its load state.
struct Listing {
  const ModelEntry* entry = nullptr;
  bool is_default = false;
  std::optional<LoadState> state;
  std::optional<Error> open_error;  // why the model could not be opened
};

std::vector<Listing> list_models(Runtime& runtime) {
  std::vector<Listing> listings;
  const Catalog& catalog = runtime.catalog();
  for (const auto& [name, entry] : catalog.models()) {
    Listing listing;
    listing.entry = &entry;
    listing.is_default = name == catalog.default_model();
    try {
      // Opening is cheap and loads nothing: it only asks the provider for the model object.
      listing.state = runtime.model(name)->state();
    } catch (const Error& error) {
      listing.open_error = error;
    }
    listings.push_back(std::move(listing));
  }
  return listings;
}

std::string location_text(const ModelEntry& entry) {
  if (entry.path) return "path: " + entry.path->string();
  if (entry.source) return "source: " + *entry.source;
  if (entry.remote_name) return "remote_name: " + *entry.remote_name;
  return "-";
}

std::string state_text(const Listing& listing) {
  if (listing.open_error) {
    return "unavailable: " + std::string(to_string(listing.open_error->category())) + ": " + listing.open_error->what();
  }
  const LoadState& state = *listing.state;
  std::string text(to_string(state.phase));
  if (state.phase == LoadState::Phase::downloading || state.phase == LoadState::Phase::loading) {
    text += ' ';
    text += std::to_string(static_cast<int>(std::lround(state.progress * 100)));
    text += '%';
  }
  if (state.error) text += ": " + std::string(state.error->what());
  return text;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "-" : text;
}

std::string as_text(const std::vector<Listing>& listings) {
  if (listings.empty()) return "The catalog has no models.\n";
  Table table({"", "NAME", "PROVIDER", "LOCATION", "ALIASES", "STATE"});
  for (const auto& listing : listings) {
    const ModelEntry& entry = *listing.entry;
    table.add({listing.is_default ? "*" : "", entry.name, entry.provider, location_text(entry), join(entry.aliases),
               state_text(listing)});
  }
  return table.render("") + "(* marks the default model)\n";
}

nlohmann::json as_json(const Catalog& catalog, const std::vector<Listing>& listings) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& listing : listings) {
    const ModelEntry& entry = *listing.entry;
    nlohmann::json model = {{"name", entry.name},
                            {"provider", entry.provider},
                            {"aliases", entry.aliases},
                            {"default", listing.is_default},
                            {"description", entry.description}};
    if (entry.path) model["path"] = entry.path->string();
    if (entry.source) model["source"] = *entry.source;
    if (entry.remote_name) model["remote_name"] = *entry.remote_name;
    if (entry.context) model["context"] = *entry.context;
    if (listing.open_error) {
      model["state"] = {{"phase", "unavailable"},
                        {"error", {{"category", to_string(listing.open_error->category())},
                                   {"message", listing.open_error->what()}}}};
    } else {
      const LoadState& state = *listing.state;
      model["state"] = {{"phase", to_string(state.phase)}, {"progress", state.progress}};
      if (state.error) {
        model["state"]["error"] = {{"category", to_string(state.error->category())},
                                   {"message", state.error->what()}};
      }
    }
    models.push_back(std::move(model));
  }
  return {{"catalog", catalog.file().string()}, {"default", catalog.default_model()}, {"models", models}};
}

int run(const CommandContext& context) {
  if (!context.arguments.positionals().empty()) {
    throw UsageError("'switchboard models' takes no arguments, got '" + context.arguments.positionals().front() + "'");
  }
  Runtime runtime = open_runtime(context.catalog_file);
  auto listings = list_models(runtime);
  if (context.arguments.has("--json")) {
    write_stdout(as_json(runtime.catalog(), listings).dump(2) + "\n");
  } else {
    write_stdout(as_text(listings));
  }
  return kExitSuccess;
}

}  // namespace

Command models_command() {
  return {
      .name = "models",
      .summary = "list the catalog's models and their load state",
      .usage = "models [--json]",
      .description =
          "Lists every model of the catalog: its name, provider, where it comes from (path,\n"
          "source or remote_name), its aliases, and its load state (pending, downloading,\n"
          "loading, ready, failed; \"unavailable\" when its provider could not start). Listing\n"
          "opens each model but loads none. '*' marks the catalog's default model.",
      .options = {{"--json", "", "print one JSON object: {\"catalog\", \"default\", \"models\"}"}},
      .run = run,
  };
}

}  // namespace switchboard::cli
