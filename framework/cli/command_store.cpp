// `switchboard ls`, `rm` and `du`: what the model store holds on disk.

#include <algorithm>
#include <map>
#include <set>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "runtime_access.hpp"
#include "store_access.hpp"
#include "table.hpp"

namespace switchboard::cli {
namespace {

void expect_no_arguments(const CommandContext& context, const std::string& command) {
  if (!context.arguments.positionals().empty()) {
    throw UsageError("'switchboard " + command + "' takes no arguments, got '" + context.arguments.positionals().front() + "'");
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text.empty() ? "-" : text;
}

int run_ls(const CommandContext& context) {
  expect_no_arguments(context, "ls");
  const auto catalog = load_catalog_if_present(context.catalog_file);
  ModelStore store(hub_settings(catalog));
  const auto models = store.list();
  if (context.arguments.has("--json")) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& model : models) {
      list.push_back({{"repo", model.repo},
                      {"reference", "hf:" + model.repo + "@" + model.commit},
                      {"commit", model.commit},
                      {"revisions", model.revisions},
                      {"folder", model.folder.string()},
                      {"bytes", model.bytes},
                      {"files", model.files},
                      {"complete", model.complete}});
    }
    write_stdout(nlohmann::json{{"cache", store.settings().cache.string()}, {"models", list}}.dump(2) + "\n");
    return kExitSuccess;
  }
  if (models.empty()) {
    write_stdout("No models in " + store.settings().cache.string() + "\n");
    return kExitSuccess;
  }
  Table table({"MODEL", "REVISION", "COMMIT", "SIZE", "FILES", "STATE"});
  for (const auto& model : models) {
    table.add({"hf:" + model.repo, join(model.revisions), model.commit.substr(0, 12), human_bytes(model.bytes),
               std::to_string(model.files), model.complete ? "complete" : "incomplete"});
  }
  write_stdout(table.render("") + "(cache: " + store.settings().cache.string() + ")\n");
  return kExitSuccess;
}

int run_rm(const CommandContext& context) {
  const auto& positionals = context.arguments.positionals();
  if (positionals.empty()) throw UsageError("'switchboard rm' needs a model: a catalog name or hf:org/repo[@revision]");
  const auto catalog = load_catalog_if_present(context.catalog_file);
  ModelStore store(hub_settings(catalog));
  for (const auto& argument : positionals) {
    const HubReference reference = reference_from_argument(argument, catalog);
    try {
      const std::int64_t freed = store.remove(reference);
      print_note("removed " + reference.to_string() + " (" + human_bytes(freed) + " freed)");
    } catch (const Error& error) {
      throw CommandFailure(exit_code_for(error), {std::string(to_string(error.category())) + ": " + error.what()});
    }
  }
  return kExitSuccess;
}

int run_du(const CommandContext& context) {
  expect_no_arguments(context, "du");
  const auto catalog = load_catalog_if_present(context.catalog_file);
  ModelStore store(hub_settings(catalog));
  const DiskUsage usage = store.disk_usage();
  // Per repository: blobs are shared between a repository's snapshots, never across them.
  std::map<std::string, std::int64_t> per_repo;
  std::map<std::string, std::set<std::string>> seen_blobs;
  for (const auto& model : store.list()) {
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(model.folder, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_directory(error)) continue;
      const auto blob = std::filesystem::canonical(it->path(), error);
      if (error || !seen_blobs[model.repo].insert(blob.string()).second) continue;
      per_repo[model.repo] += static_cast<std::int64_t>(std::filesystem::file_size(blob, error));
    }
  }
  if (context.arguments.has("--json")) {
    nlohmann::json repos = nlohmann::json::object();
    for (const auto& [repo, bytes] : per_repo) repos[repo] = bytes;
    write_stdout(nlohmann::json{{"cache", usage.cache.string()},
                                {"bytes", usage.bytes},
                                {"incomplete_bytes", usage.incomplete_bytes},
                                {"repos", usage.repos},
                                {"snapshots", usage.snapshots},
                                {"per_repo", repos}}
                     .dump(2) +
                 "\n");
    return kExitSuccess;
  }
  Table table({"SIZE", "MODEL"});
  for (const auto& [repo, bytes] : per_repo) table.add({human_bytes(bytes), "hf:" + repo});
  std::string text = table.has_rows() ? table.render("") : "";
  text += human_bytes(usage.bytes) + " in " + std::to_string(usage.repos) + " model" + (usage.repos == 1 ? "" : "s") +
          " (" + std::to_string(usage.snapshots) + " snapshot" + (usage.snapshots == 1 ? "" : "s") + ")";
  if (usage.incomplete_bytes > 0) text += ", plus " + human_bytes(usage.incomplete_bytes) + " of partial downloads";
  text += "\n(cache: " + usage.cache.string() + ")\n";
  write_stdout(text);
  return kExitSuccess;
}

}  // namespace

Command ls_command() {
  return {
      .name = "ls",
      .summary = "list the models downloaded into the store",
      .usage = "ls [--json]",
      .description =
          "Lists every snapshot in the model cache: the hub repository, the revisions (branches,\n"
          "tags) that point at it, its commit, its size on disk, its file count, and whether it\n"
          "is complete enough to load. Python tools' downloads in the same cache are listed too.",
      .options = {{"--json", "", "print one JSON object: {\"cache\", \"models\"}"}},
      .run = run_ls,
  };
}

Command rm_command() {
  return {
      .name = "rm",
      .summary = "remove a downloaded model from the store",
      .usage = "rm NAME | hf:org/repo[@revision] ...",
      .description =
          "Removes a model's snapshot from the cache: with @revision only that snapshot, without\n"
          "it every snapshot of the repository (and its partial downloads). A file that another\n"
          "remaining snapshot still uses is kept. NAME is a catalog model with a 'source:'.",
      .options = {},
      .run = run_rm,
  };
}

Command du_command() {
  return {
      .name = "du",
      .summary = "show how much disk the model store uses",
      .usage = "du [--json]",
      .description =
          "Prints the disk space each downloaded model takes (files shared between its snapshots\n"
          "counted once), the total, and the space held by partial downloads.",
      .options = {{"--json", "", "print one JSON object: {\"cache\", \"bytes\", \"incomplete_bytes\", \"repos\", "
                                 "\"snapshots\", \"per_repo\"}"}},
      .run = run_du,
  };
}

}  // namespace switchboard::cli
