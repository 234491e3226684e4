#pragma once
// One libcurl handle, used by one thread at a time: the hub client's transport. Knows nothing
// of the hub; it sends requests, collects the final response's headers, and streams bodies.
//
// The token goes in an Authorization header that libcurl drops when a redirect leads to
// another host (the hub sends downloads to a CDN), and it never appears in a message.

#include <cstdint>
#include <functional>
#include <map>
#include <stop_token>
#include <string>

using CURL = void;

namespace switchboard::store {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // the last response's; names in lower case
  std::string body;                            // for requests that keep it
  std::string url;                             // after redirects
};

// Where a streamed body goes. begin() sees the status and headers before the first byte and
// may refuse the body (return false); write() returns false to stop.
struct BodySink {
  std::function<bool(const HttpResponse&)> begin;
  std::function<bool(const char* data, std::size_t size)> write;
};

// A transport failure (no HTTP status): connection refused or cut, timeout, DNS, a stop.
struct TransportFailure {
  std::string message;
  bool stopped = false;  // the stop token was requested
};

class HttpSession {
 public:
  explicit HttpSession(std::string token);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // The body is kept (up to a bound, for JSON answers); follows redirects.
  HttpResponse get(const std::string& url, std::stop_token stop = {});
  // Headers only, without following redirects: the hub's X-Linked-* headers are on the first.
  HttpResponse head(const std::string& url, std::stop_token stop = {});
  // GET from byte `offset` on (a Range request when > 0), following redirects, body to `sink`.
  HttpResponse download(const std::string& url, std::int64_t offset, const BodySink& sink, std::stop_token stop);

 private:
  HttpResponse perform(const std::string& url, bool head, bool follow, std::int64_t offset, const BodySink* sink,
                       std::stop_token stop);

  CURL* curl_ = nullptr;
  std::string token_;
};

// "a%20b/c.json" for "a b/c.json": each path segment escaped, the slashes kept.
std::string escape_path(const std::string& path);
// Every character but unreserved ones escaped, '/' included ("refs%2Fpr%2F1").
std::string escape_segment(const std::string& text);

}  // namespace switchboard::store
