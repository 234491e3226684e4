#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace switchboard::testing {
namespace {

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> entries;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    std::string_view entry(*variable);
    if (entry.starts_with("SWITCHBOARD_")) continue;
    std::string name(entry.substr(0, entry.find('=')));
    if (extra.count(name) != 0) continue;
    entries.emplace_back(entry);
  }
  for (const auto& [name, value] : extra) entries.push_back(name + "=" + value);
  return entries;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& environment) {
  // A child that exits before reading its stdin must fail our write, not kill the test.
  ::signal(SIGPIPE, SIG_IGN);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) throw system_error("pipe");
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw system_error("pipe");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) throw system_error("pipe");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);

  // The child starts with default signal handling and nothing blocked, whatever the test
  // runner set up for itself (SIGPIPE ignored above).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = child_environment(environment);
  std::vector<char*> argv = pointers_to(argv_strings);
  std::vector<char*> envp = pointers_to(env_strings);

  int spawned = posix_spawn(&pid_, program.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  stdin_fd_ = in_pipe[1];
  stdout_fd_ = out_pipe[0];
  stderr_fd_ = err_pipe[0];
  if (spawned != 0) {
    pid_ = -1;
    close_fd(stdin_fd_);
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(spawned));
  }
}

ChildProcess::~ChildProcess() {
  close_fd(stdin_fd_);
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void ChildProcess::write_stdin(std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(stdin_fd_, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw system_error("writing to the child's stdin");
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

void ChildProcess::close_stdin() { close_fd(stdin_fd_); }

void ChildProcess::send_signal(int signal_number) {
  if (pid_ > 0) ::kill(pid_, signal_number);
}

void ChildProcess::pump(int timeout_ms) {
  pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
  if (::poll(fds, 2, timeout_ms) <= 0) return;
  std::string* buffers[2] = {&out_, &err_};
  int* descriptors[2] = {&stdout_fd_, &stderr_fd_};
  for (int i = 0; i < 2; ++i) {
    // A negative fd is skipped by poll(); POLLHUP comes without POLLIN at the end of a pipe.
    if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char chunk[4096];
    ssize_t got = ::read(fds[i].fd, chunk, sizeof chunk);
    if (got > 0) {
      buffers[i]->append(chunk, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(*descriptors[i]);
    }
  }
}

bool ChildProcess::wait_for(const std::string& buffer, const int& fd, std::string_view text, std::size_t from) {
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (buffer.find(text, from) == std::string::npos) {
    if (fd < 0 || std::chrono::steady_clock::now() > give_up) return false;
    pump(100);
  }
  return true;
}

bool ChildProcess::wait_for_stdout(std::string_view text, std::size_t from) {
  return wait_for(out_, stdout_fd_, text, from);
}

bool ChildProcess::wait_for_stderr(std::string_view text, std::size_t from) {
  return wait_for(err_, stderr_fd_, text, from);
}

ProcessResult ChildProcess::finish() {
  close_stdin();
  while (stdout_fd_ >= 0 || stderr_fd_ >= 0) pump(-1);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = out_;
  result.err = err_;
  return result;
}

ProcessResult run_process(const std::string& program, const std::vector<std::string>& args, std::string_view input,
                          const std::map<std::string, std::string>& environment) {
  ChildProcess child(program, args, environment);
  try {
    child.write_stdin(input);
  } catch (const std::runtime_error&) {
    // The program exited without reading its input; its output says why.
  }
  return child.finish();
}

}  // namespace switchboard::testing
