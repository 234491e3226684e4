#pragma once
// What every fuzz target shares: where the fixtures are, and the one rule of these targets.
//
// The rule: a switchboard::Error is the expected answer to malformed input, so targets catch it
// and nothing else. Any other exception escapes LLVMFuzzerTestOneInput and aborts the process,
// which libFuzzer reports as a crash together with the input that caused it; so do the
// sanitizers' findings and the targets' own invariant checks (fuzz_check).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#ifndef SWITCHBOARD_TEST_DATA
#error "SWITCHBOARD_TEST_DATA must name the tests/ source folder"
#endif

namespace switchboard::fuzz {

inline std::filesystem::path test_data(const std::string& relative) {
  return std::filesystem::path(SWITCHBOARD_TEST_DATA) / relative;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz target: cannot read %s\n", path.c_str());
    std::abort();
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// An invariant the code under test promised and broke: abort, so libFuzzer keeps the input.
[[noreturn]] inline void invariant_broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace switchboard::fuzz

#define fuzz_check(condition) \
  ((condition) ? (void)0 : ::switchboard::fuzz::invariant_broken(#condition, __FILE__, __LINE__))
