// The SSE parser against the event-stream format, fed whole and split at every byte boundary.

#include <gtest/gtest.h>

#include "sse_parser.hpp"
#include "switchboard/error.hpp"

namespace switchboard::remote {
namespace {

std::vector<SseEvent> parse_in_pieces(std::string_view stream, const std::vector<std::size_t>& cuts) {
  SseParser parser;
  std::vector<SseEvent> events;
  auto sink = [&](const SseEvent& event) { events.push_back(event); };
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    parser.feed(stream.substr(from, cut - from), sink);
    from = cut;
  }
  parser.feed(stream.substr(from), sink);
  return events;
}

void expect_same(const std::vector<SseEvent>& got, const std::vector<SseEvent>& want, const std::string& where) {
  ASSERT_EQ(got.size(), want.size()) << where;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].event, want[i].event) << where << " event " << i;
    EXPECT_EQ(got[i].data, want[i].data) << where << " event " << i;
    EXPECT_EQ(got[i].id, want[i].id) << where << " event " << i;
  }
}

// Mixed line ends (LF, CRLF, CR), comments, multi-line data, named events, ids, a field
// without a colon, no space after the colon, and an event with no data (not dispatched).
const std::string kStream =
    "\xEF\xBB\xBF: opening comment\r\n"
    "data: first\n\n"
    "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
    ":keep-alive\n\n"
    "data: line one\ndata: line two\rdata:no-space\r\r"
    "id: 7\nevent: ping\n\n"
    "data\n\n"
    "retry: 1000\ndata: [DONE]\n\n"
    "data: cut off at the end";

const std::vector<SseEvent> kExpected = {
    {"", "first", ""},
    {"message_start", "{\"a\":1}", ""},
    {"", "line one\nline two\nno-space", ""},
    {"", "", "7"},
    {"", "[DONE]", "7"},
};

TEST(SseParser, ReadsAWholeStream) { expect_same(parse_in_pieces(kStream, {}), kExpected, "whole"); }

TEST(SseParser, SplitAtEveryByteBoundary) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut)
    expect_same(parse_in_pieces(kStream, {cut}), kExpected, "cut at " + std::to_string(cut));
}

TEST(SseParser, SplitAtEveryPairOfBoundaries) {
  for (std::size_t first = 0; first <= kStream.size(); ++first)
    for (std::size_t second = first; second <= kStream.size(); second += 3)
      expect_same(parse_in_pieces(kStream, {first, second}), kExpected,
                  "cuts at " + std::to_string(first) + "," + std::to_string(second));
}

TEST(SseParser, OneByteAtATime) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  expect_same(parse_in_pieces(kStream, cuts), kExpected, "bytewise");
}

TEST(SseParser, ACrlfSplitBetweenReadsEndsOneLineNotTwo) {
  // Were the CR and the LF counted as two line ends, the blank line would dispatch "a" early
  // and the LF would end nothing; here it must be "a" then "b" exactly.
  expect_same(parse_in_pieces("data: a\r\ndata: b\r\n\r\n", {7, 8, 16, 17}), {{"", "a\nb", ""}}, "crlf split");
}

TEST(SseParser, ReportsAnEventCutOffMidway) {
  SseParser parser;
  int events = 0;
  parser.feed("data: whole\n\ndata: half", [&](const SseEvent&) { ++events; });
  EXPECT_EQ(events, 1);
  EXPECT_TRUE(parser.mid_event());
}

TEST(SseParser, RefusesAnEndlessLine) {
  SseParser parser;
  const std::string megabyte(1u << 20, 'x');
  EXPECT_THROW(
      {
        for (int i = 0; i < 65; ++i) parser.feed(megabyte, [](const SseEvent&) {});
      },
      Error);
}

}  // namespace
}  // namespace switchboard::remote
