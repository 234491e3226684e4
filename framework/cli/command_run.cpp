// `switchboard run`: one reply to one prompt, streamed to stdout or printed as one JSON object.

#include <cstdlib>
#include <iostream>
#include <iterator>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "generation_flags.hpp"
#include "interrupts.hpp"
#include "output.hpp"
#include "runtime_access.hpp"

namespace switchboard::cli {
namespace {

// The words of PROMPT joined with spaces, or all of stdin for a lone "-".
std::string read_prompt(const std::vector<std::string>& words) {
  if (words.empty()) throw UsageError("missing PROMPT: give the prompt as arguments, or '-' to read it from stdin");
  std::string prompt;
  if (words.size() == 1 && words[0] == "-") {
    prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    // `echo hi | switchboard run -` means "hi", not "hi\n".
    while (!prompt.empty() && (prompt.back() == '\n' || prompt.back() == '\r')) prompt.pop_back();
  } else {
    for (const auto& word : words) prompt += (prompt.empty() ? "" : " ") + word;
  }
  if (prompt.empty()) throw UsageError("PROMPT is empty");
  return prompt;
}

int run(const CommandContext& context) {
  const auto& arguments = context.arguments;
  Request request;
  request.options = generation_options_from(arguments);
  if (auto system = arguments.value("--system")) request.messages.push_back(Message::system(*system));
  request.messages.push_back(Message::user(read_prompt(arguments.positionals())));
  const bool as_json = arguments.has("--json");

  // Ctrl-C before the reply starts (while the catalog and plugins load) simply ends the
  // program; during the reply it cancels the reply, which then ends the program the same way.
  InterruptWatcher interrupts([] {
    print_note("switchboard: interrupted");
    std::_Exit(kExitInterrupted);
  });
  Runtime runtime = open_runtime(context.catalog_file);
  const std::string requested = arguments.value("--model").value_or("");
  auto model = open_model(runtime, requested);

  Completion completion;
  bool ends_with_newline = true;
  {
    InterruptWatcher::Reply reply(interrupts);
    ChunkSink stream_to_stdout;
    if (!as_json) {
      stream_to_stdout = [&ends_with_newline](const Chunk& chunk) {
        if (chunk.text.empty()) return;
        write_stdout(chunk.text);
        ends_with_newline = chunk.text.back() == '\n';
      };
    }
    completion = model->generate(request, stream_to_stdout, reply.token());
  }

  if (as_json) {
    nlohmann::json output = completion;
    output["model"] = runtime.catalog().model(requested).name;  // the name an alias stands for
    write_stdout(output.dump() + "\n");
  } else if (!ends_with_newline) {
    write_stdout("\n");  // leaves the shell prompt on a line of its own
  }

  switch (completion.finish_reason) {
    case FinishReason::cancelled:
      print_note("switchboard: interrupted");
      return kExitInterrupted;
    case FinishReason::error:
      print_generation_failure(completion);
      return kExitFailure;
    default:
      return kExitSuccess;
  }
}

}  // namespace

Command run_command() {
  Command command{
      .name = "run",
      .summary = "write one reply to a prompt",
      .usage = "run [options] PROMPT...",
      .description =
          "Sends PROMPT (its words joined with spaces; '-' alone reads it from stdin) to a model\n"
          "and streams the reply to stdout as it is written. Ctrl-C cancels the reply (exit 130).\n"
          "With --json, prints one JSON object when the reply is done instead:\n"
          "  {\"text\", \"finish_reason\", \"usage\": {\"prompt_tokens\", \"completion_tokens\", ...},\n"
          "   \"timings\": {...}, \"model\"}",
      .options = generation_option_specs(),
      .run = run,
  };
  command.options.push_back({"--json", "", "print the completion as one JSON object instead of streaming"});
  return command;
}

}  // namespace switchboard::cli
