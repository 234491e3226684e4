#pragma once
// Runs a program as a child process with pipes on stdin, stdout and stderr, for tests that
// drive a command the way a shell or a script would.

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::testing {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + the signal that killed the process
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

class ChildProcess {
 public:
  // Starts `program` with `args`. The environment is the test's, without any SWITCHBOARD_*
  // variable (so that the developer's own settings cannot leak in), plus `environment`.
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment = {});
  ~ChildProcess();  // kills the process if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_stdin(std::string_view text);
  void close_stdin();
  void send_signal(int signal_number);

  // Reads until stdout (stderr) holds `text` somewhere after `from`. Returns false when it ends
  // first, or when nothing has matched after a minute: a guard against hanging forever, so
  // the test fails with a message instead.
  bool wait_for_stdout(std::string_view text, std::size_t from = 0);
  bool wait_for_stderr(std::string_view text, std::size_t from = 0);

  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

  // Closes stdin, reads stdout and stderr to their end and reaps the process.
  ProcessResult finish();

 private:
  // Reads what is available on stdout and stderr, waiting at most `timeout_ms`.
  void pump(int timeout_ms);
  bool wait_for(const std::string& buffer, const int& fd, std::string_view text, std::size_t from);

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string out_;
  std::string err_;
};

// Starts `program`, writes `input` to its stdin, closes it, and waits for the end.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          std::string_view input = {}, const std::map<std::string, std::string>& environment = {});

}  // namespace switchboard::testing
