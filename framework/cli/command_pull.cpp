// `switchboard pull NAME | hf:org/repo[@rev]`: downloads a hub model into the store ahead of use.

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "interrupts.hpp"
#include "output.hpp"
#include "progress_display.hpp"
#include "runtime_access.hpp"
#include "store_access.hpp"

namespace switchboard::cli {
namespace {

int run(const CommandContext& context) {
  const auto& positionals = context.arguments.positionals();
  if (positionals.size() != 1) throw UsageError("'switchboard pull' takes one model: a catalog name or hf:org/repo[@revision]");
  const auto catalog = load_catalog_if_present(context.catalog_file);
  const HubReference reference = reference_from_argument(positionals.front(), catalog);

  InterruptWatcher interrupts([] {});
  ModelStore store(hub_settings(catalog));
  ProgressDisplay display(reference.to_string());
  std::filesystem::path folder;
  {
    InterruptWatcher::Reply pull(interrupts);
    try {
      folder = store.pull(reference, [&](const Progress& progress) { display.show(progress); }, pull.token());
    } catch (const Error& error) {
      display.finish();
      if (pull.interrupted()) {
        print_note("switchboard: interrupted; 'switchboard pull " + positionals.front() + "' resumes the download");
        return kExitInterrupted;
      }
      throw CommandFailure(exit_code_for(error), {std::string(to_string(error.category())) + ": " + error.what()});
    }
  }
  display.finish();
  write_stdout(folder.string() + "\n");
  return kExitSuccess;
}

}  // namespace

Command pull_command() {
  return {
      .name = "pull",
      .summary = "download a hub model into the store (resumes a cut download)",
      .usage = "pull NAME | hf:org/repo[@revision]",
      .description =
          "Downloads the files a model needs (config, tokenizer, chat template, the safetensors\n"
          "shards) from the Hugging Face hub into the cache shared with Python tools\n"
          "($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub; or the catalog's\n"
          "hub.cache), and prints the snapshot folder on stdout. NAME is a catalog model with a\n"
          "'source: hf:...'. Files already there are not fetched again; a download that was\n"
          "cut or interrupted continues where it stopped. Progress goes to stderr: a bar on a\n"
          "terminal, a line per quarter otherwise. Set HF_TOKEN (or hub.token) for private and\n"
          "gated models, HF_ENDPOINT for a mirror, HF_HUB_OFFLINE=1 to use the cache only.",
      .options = {},
      .run = run,
  };
}

}  // namespace switchboard::cli
