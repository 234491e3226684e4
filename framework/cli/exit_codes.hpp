#pragma once
// The exit statuses of the `switchboard` command. Scripts depend on these numbers: they are
// part of the command's contract (see docs/cli.md) and must not be renumbered.

namespace switchboard::cli {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitFailure = 1,        // the generation failed (finish_reason error) or another runtime error
  kExitUsage = 2,          // a bad flag, a missing argument
  kExitConfig = 3,         // the catalog or the configuration is wrong
  kExitUnavailable = 4,    // the model or provider does not exist or could not start
  kExitInterrupted = 130,  // Ctrl-C; 128 + SIGINT, as shells report it
};

}  // namespace switchboard::cli
