#include "sse_parser.hpp"

#include "switchboard/error.hpp"

namespace switchboard::remote {

void SseParser::feed(std::string_view bytes, const EventSink& on_event) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c != '\n' && c != '\r') {
      after_cr_ = false;
      continue;
    }
    if (c == '\n' && after_cr_) {  // the LF of a CRLF whose CR ended the line already
      after_cr_ = false;
      start = i + 1;
      continue;
    }
    line_.append(bytes.substr(start, i - start));
    after_cr_ = (c == '\r');
    start = i + 1;
    end_line(on_event);
  }
  line_.append(bytes.substr(start));
  if (line_.size() > kMaxLineBytes)
    throw Error(ErrorCategory::unavailable, "server-sent events: a line longer than " +
                                                std::to_string(kMaxLineBytes >> 20) + " MiB; is this an event stream?");
}

void SseParser::end_line(const EventSink& on_event) {
  std::string_view line(line_);
  if (first_line_) {
    first_line_ = false;
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  }
  if (line.empty()) {
    // Each data line added a trailing LF; the last one is not part of the data. An event with
    // no data line at all is not dispatched.
    if (!pending_.data.empty()) {
      pending_.data.pop_back();
      on_event(pending_);
    }
    pending_.event.clear();
    pending_.data.clear();
    has_fields_ = false;
    line_.clear();
    return;
  }
  if (line.front() == ':') {  // a comment: servers send these as keep-alives
    line_.clear();
    return;
  }
  const auto colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    pending_.data.append(value);
    pending_.data.push_back('\n');
    has_fields_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
    has_fields_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
    has_fields_ = true;
  }
  // "retry" and unknown fields are ignored: reconnection is not how we retry.
  line_.clear();
}

}  // namespace switchboard::remote
