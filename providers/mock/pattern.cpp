#include "pattern.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

#include "switchboard/log.hpp"

namespace switchboard::mock {
namespace {

// Enough for any reasonable script; a runaway pattern gives up instead of running for minutes.
constexpr std::uint32_t kMatchLimit = 10'000'000;

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  const int length = pcre2_get_error_message(code, buffer, sizeof buffer);
  return length < 0 ? "PCRE2 error " + std::to_string(code) : std::string(reinterpret_cast<char*>(buffer), length);
}

}  // namespace

struct Pattern::Compiled {
  pcre2_code* code = nullptr;
  pcre2_match_context* context = nullptr;

  ~Compiled() {
    pcre2_match_context_free(context);
    pcre2_code_free(code);
  }
};

Pattern::Pattern(const std::string& source) : source_(source) {
  auto compiled = std::make_shared<Compiled>();
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  // UTF-8 patterns and subjects; text that is not valid UTF-8 is searched, not refused.
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(),
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &error_code, &error_offset, nullptr);
  if (!compiled->code)
    throw std::invalid_argument(pcre2_message(error_code) + " at offset " + std::to_string(error_offset));
  compiled->context = pcre2_match_context_create(nullptr);
  if (!compiled->context) throw std::bad_alloc();
  pcre2_set_match_limit(compiled->context, kMatchLimit);
  compiled_ = std::move(compiled);
}

bool Pattern::found_in(std::string_view text) const {
  // Match data is per call: it is the only state a match writes.
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(compiled_->code, nullptr);
  if (!data) throw std::bad_alloc();
  const int result = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                                 data, compiled_->context);
  pcre2_match_data_free(data);
  if (result >= 0) return true;
  if (result != PCRE2_ERROR_NOMATCH)
    logger()->warn("mock: pattern '{}' gave up on a {}-byte input ({}); treated as no match", source_, text.size(),
                   pcre2_message(result));
  return false;
}

}  // namespace switchboard::mock
