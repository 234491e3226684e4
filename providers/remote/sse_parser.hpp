#pragma once
// An incremental Server-Sent-Events parser (the WHATWG "event stream" format): bytes go in as
// they arrive, split anywhere, and complete events come out.
//
// Lines end with LF, CRLF or CR (a CRLF split across two reads counts once); "data" lines
// accumulate, joined by LF; lines starting with ':' are comments (keep-alives); a blank line
// ends an event; an event without data is not dispatched. Whatever is left unterminated when
// the stream ends is dropped, as the format says.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace switchboard::remote {

struct SseEvent {
  std::string event;  // the "event:" field; empty means "message"
  std::string data;
  std::string id;
};

class SseParser {
 public:
  using EventSink = std::function<void(const SseEvent&)>;

  // A line longer than this is an error (the server is not speaking SSE, or is hostile).
  static constexpr std::size_t kMaxLineBytes = 64u << 20;

  // Feeds the next bytes; `on_event` is called for each event they complete. Throws
  // Error(unavailable) for a line longer than kMaxLineBytes.
  void feed(std::string_view bytes, const EventSink& on_event);

  // True when bytes of an undispatched event are pending: the stream was cut mid-event.
  bool mid_event() const noexcept { return !line_.empty() || has_fields_; }

 private:
  void end_line(const EventSink& on_event);

  std::string line_;
  bool after_cr_ = false;     // the last byte was CR: a following LF belongs to the same line end
  bool first_line_ = true;    // a UTF-8 byte order mark may open the stream
  bool has_fields_ = false;   // a field of the pending event was seen
  SseEvent pending_;
};

}  // namespace switchboard::remote
