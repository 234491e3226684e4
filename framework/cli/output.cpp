#include "output.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace switchboard::cli {

namespace {
// One fwrite per line keeps a note from the interrupt thread from landing in the middle of
// another line on stderr.
void write_stderr_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}
}  // namespace

void print_error(std::string_view message) {
  write_stderr_line("switchboard: error: " + std::string(message) + "\n");
}

void print_note(std::string_view message) { write_stderr_line(std::string(message) + "\n"); }

void print_generation_failure(const Completion& completion) {
  print_error("generation failed: " + (completion.error ? std::string(to_string(completion.error->category())) + ": " +
                                                              completion.error->what()
                                                        : std::string("the provider gave no reason")));
}

void write_stdout(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

}  // namespace switchboard::cli
