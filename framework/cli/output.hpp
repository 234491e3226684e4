#pragma once
// Where the command's text goes: replies and data on stdout, everything else on stderr.

#include <string_view>

#include <switchboard/completion.hpp>

namespace switchboard::cli {

// "switchboard: error: <message>" on stderr.
void print_error(std::string_view message);
// A note for the person at the terminal (a hint, "reply cancelled"), on stderr.
void print_note(std::string_view message);

// "switchboard: error: generation failed: <category>: <message>" for a reply that ended in error.
void print_generation_failure(const Completion& completion);
// Writes to stdout and flushes at once, so that a streamed reply appears as it is made.
void write_stdout(std::string_view text);

bool stdin_is_terminal();

}  // namespace switchboard::cli
