#pragma once
// The engine's own exception: a message plus the byte offset in the template it is about.
// ChatTemplate turns it into switchboard::Error with "line:column" so that the engine itself
// does not depend on how the framework words errors.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchboard::local::jinja {

class TemplateError : public std::runtime_error {
 public:
  enum class Kind {
    syntax,   // the template does not parse
    runtime,  // rendering failed: a type error, an undefined attribute, a limit
    raised,   // the template called raise_exception(message)
  };

  TemplateError(Kind kind, size_t offset, const std::string& message)
      : std::runtime_error(message), kind_(kind), offset_(offset) {}

  Kind kind() const noexcept { return kind_; }
  size_t offset() const noexcept { return offset_; }

 private:
  Kind kind_;
  size_t offset_;
};

// "line:column" (both from 1, the column in code points) of a byte offset in `source`.
std::string describe_position(std::string_view source, size_t offset);

}  // namespace switchboard::local::jinja
