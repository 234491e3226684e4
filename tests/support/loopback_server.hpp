#pragma once
// A small scripted HTTP/1.1 server on 127.0.0.1 for the tests that talk to HTTP servers (the
// remote provider's APIs, the model store's hub): an ephemeral port, a thread per connection,
// keep-alive, and responses scripted step by step (send bytes, pause, drop the connection, stall
// until released).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace switchboard::loopback {

struct ReceivedRequest {
  std::string method;
  std::string target;                          // "/v1/chat/completions"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

struct Step {
  enum class Kind { send, pause, drop, stall };
  Kind kind = Kind::send;
  std::string bytes;
  std::chrono::milliseconds delay{0};

  static Step send(std::string bytes) { return {Kind::send, std::move(bytes), {}}; }
  static Step pause(std::chrono::milliseconds delay) { return {Kind::pause, {}, delay}; }
  static Step drop() { return {Kind::drop, {}, {}}; }    // close the connection where it stands
  static Step stall() { return {Kind::stall, {}, {}}; }  // say nothing until released or stopped
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<Step> steps;
  bool stall_before_headers = false;  // not even a status line until released
  // The Content-Length to announce when it is not what the steps send: a body cut short by a
  // drop, or the size a HEAD request is told.
  std::optional<std::size_t> announced_length;

  // A whole body with Content-Length.
  static ScriptedResponse json(int status, std::string body);
  // A text/event-stream, chunked, one chunk per event (each ends with a blank line).
  static ScriptedResponse sse(const std::vector<std::string>& events);
  // "data: <json>\n\n" for each JSON text.
  static ScriptedResponse sse_data(const std::vector<std::string>& data);
};

class LoopbackServer {
 public:
  using Handler = std::function<ScriptedResponse(const ReceivedRequest&)>;

  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();  // releases stalls, closes every connection, joins every thread
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  int port() const { return port_; }

  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;
  // Blocks until `count` requests have arrived (their handlers may still be running).
  void wait_for_requests(std::size_t count) const;
  int max_concurrent_requests() const;
  int connections_accepted() const;
  void release_stalls();

 private:
  void accept_loop();
  void serve(int socket);
  bool play(int socket, const ScriptedResponse& response, bool headers_only);
  void stall();

  Handler handler_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  bool released_ = false;
  std::vector<std::thread> connections_;
  std::vector<int> sockets_;
  std::vector<ReceivedRequest> requests_;
  int active_requests_ = 0;
  int max_concurrent_ = 0;
  int accepted_ = 0;
};

}  // namespace switchboard::loopback
