// `switchboard chat`: a conversation, one line of stdin per turn.

#include <iostream>
#include <string>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "generation_flags.hpp"
#include "interrupts.hpp"
#include "output.hpp"
#include "runtime_access.hpp"

namespace switchboard::cli {
namespace {

constexpr std::string_view kPrompt = "> ";

void show_prompt(bool interactive) {
  if (interactive) write_stdout(kPrompt);
}

// "[45 prompt tokens, 30 reused; 20 tokens at 35.2 tokens/s]": what the turn cost, with the
// prompt tokens a provider's cache saved (a local model's second turn pays for its new tokens).
void print_stats(const Completion& completion) {
  char text[200];
  std::snprintf(text, sizeof text, "[%lld prompt tokens, %lld reused; %lld tokens at %.1f tokens/s]",
                static_cast<long long>(completion.usage.prompt_tokens), static_cast<long long>(completion.usage.cached_prompt_tokens),
                static_cast<long long>(completion.usage.completion_tokens), completion.timings.tokens_per_second);
  print_note(text);
}

// Streams one reply to stdout; a cancelled or failed reply is reported on stderr and the
// conversation goes on.
void answer(ChatSession& session, std::string line, InterruptWatcher& interrupts, bool show_stats) {
  bool ends_with_newline = true;
  Completion completion;
  {
    InterruptWatcher::Reply reply(interrupts);
    completion = session.send(
        std::move(line),
        [&ends_with_newline](const Chunk& chunk) {
          if (chunk.text.empty()) return;
          write_stdout(chunk.text);
          ends_with_newline = chunk.text.back() == '\n';
        },
        reply.token());
  }
  if (!ends_with_newline) write_stdout("\n");
  if (show_stats && completion.finish_reason != FinishReason::error) print_stats(completion);
  if (completion.finish_reason == FinishReason::cancelled) {
    print_note("[reply cancelled]");
  } else if (completion.finish_reason == FinishReason::error) {
    print_generation_failure(completion);
  }
}

int run(const CommandContext& context) {
  const auto& arguments = context.arguments;
  if (!arguments.positionals().empty()) {
    throw UsageError("'switchboard chat' takes no arguments, got '" + arguments.positionals().front() +
                     "'; type the messages on stdin");
  }
  GenerationOptions options = generation_options_from(arguments);
  const bool interactive = stdin_is_terminal();
  const bool show_stats = interactive || arguments.has("--stats");

  InterruptWatcher interrupts([interactive] {
    print_note("\n(Ctrl-C cancels a reply while it is written; type /exit or press Ctrl-D to leave)");
    show_prompt(interactive);
  });
  Runtime runtime = open_runtime(context.catalog_file);
  ChatSession session(open_model(runtime, arguments.value("--model").value_or("")), options);
  if (auto system = arguments.value("--system")) session.set_system(*system);

  std::string line;
  show_prompt(interactive);
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "/exit") break;
    if (line == "/reset") {
      session.clear();
      print_note("(conversation cleared)");
    } else if (line.starts_with('/')) {
      print_note("unknown chat command '" + line + "'; the commands are /reset and /exit");
    } else if (!line.empty()) {
      answer(session, std::move(line), interrupts, show_stats);
    }
    show_prompt(interactive);
  }
  if (interactive) write_stdout("\n");
  return kExitSuccess;
}

std::vector<OptionSpec> chat_options() {
  auto options = generation_option_specs();
  options.push_back({"--stats", "", "after each reply, print its prompt tokens (and how many were reused), tokens and speed on stderr"});
  return options;
}

}  // namespace

Command chat_command() {
  Command command{
      .name = "chat",
      .summary = "talk with a model, one line per turn",
      .usage = "chat [options]",
      .description =
          "Reads one message per line from stdin and streams each reply to stdout; the model\n"
          "sees the whole conversation. Lines that are commands:\n"
          "  /reset   forget the conversation (the system message stays)\n"
          "  /exit    leave (so does end of input, Ctrl-D)\n"
          "Ctrl-C cancels the reply being written and keeps the conversation going.\n"
          "The prompt \"> \" and each reply's token counts (on stderr) are shown only when stdin\n"
          "is a terminal, or with --stats.",
      .options = chat_options(),
      .run = run,
  };
  return command;
}

}  // namespace switchboard::cli
